// Read an .ics file with ical.js (the library behind Thunderbird) and print each VEVENT's UID,
// STATUS, SEQUENCE and UTC start/end as JSON, using only the VTIMEZONEs in the file itself.
// Usage: node tests/ical_events.mjs FILE.ics
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    status: component.getFirstPropertyValue("status"),
    sequence: event.sequence,
    tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
  };
});
process.stdout.write(JSON.stringify(events));
