// Marks attendance without reloading the register, so a tablet keeps its place and its speed.
// Without JavaScript the same forms post and the page comes back at the same person; this only
// takes over when the browser can do everything it needs, and falls back to a normal post.
const register = document.querySelector("[data-register]");

function swap(page, id) {
  const current = document.getElementById(id);
  const fresh = page.getElementById(id);
  if (current && fresh) {
    current.replaceWith(fresh);
  } else if (current) {
    current.remove();
  }
  return fresh;
}

async function mark(form, button) {
  const body = new FormData(form);
  body.append(button.name, button.value);
  const card = form.closest("[data-register-entry]");
  card.setAttribute("aria-busy", "true");
  const response = await fetch(form.action, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "X-Requested-With": "fetch" },
  });
  if (!response.ok) {
    throw new Error(`Marking attendance failed with ${response.status}`);
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = swap(page, card.id);
  if (!fresh) {
    throw new Error("The register came back without this person");
  }
  swap(page, "register-messages");
  swap(page, "finish-register");
  const title = fresh.querySelector("[data-register-name]");
  title.setAttribute("tabindex", "-1");
  title.focus();
}

if (register && window.fetch && window.DOMParser) {
  register.addEventListener("submit", (event) => {
    const form = event.target;
    const button = event.submitter;
    if (!form.matches("[data-mark-attendance]") || !button || form.dataset.plain) {
      return;
    }
    event.preventDefault();
    mark(form, button).catch(() => {
      form.dataset.plain = "true";
      form.requestSubmit(button);
    });
  });
}

// While self check-in is open, fetch the register every 20 seconds and update only who is
// marked attended and the count, so nothing the trainer is using moves under them. Without
// JavaScript a reload shows the same.
const LIVE_INTERVAL_MS = 20000;

async function refreshAttendance() {
  const response = await fetch(window.location.href, {
    credentials: "same-origin",
    headers: { "X-Requested-With": "fetch" },
  });
  if (!response.ok) {
    return;
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const fresh of page.querySelectorAll("[data-attendance]")) {
    const current = document.getElementById(fresh.id);
    if (current && current.innerHTML !== fresh.innerHTML) {
      current.innerHTML = fresh.innerHTML;
    }
  }
  const count = document.getElementById("attended-count");
  const freshCount = page.getElementById("attended-count");
  if (count && freshCount && count.textContent !== freshCount.textContent) {
    count.textContent = freshCount.textContent;
  }
}

if (register && register.hasAttribute("data-register-live") && window.fetch && window.DOMParser) {
  window.setInterval(() => {
    refreshAttendance().catch(() => {});
  }, LIVE_INTERVAL_MS);
}
