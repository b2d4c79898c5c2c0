// Progressive enhancement only: every page works without this file. No inline script is
// needed (a Content Security Policy can forbid them): the classes GOV.UK Frontend expects on
// <body> are set here, then its components start.
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
