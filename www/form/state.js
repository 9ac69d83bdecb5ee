// What the form's modules share: the endpoint, the form element, and the state that
// typing, tags and submits change.
import { $ } from "./dom.js";

export const ENDPOINT = "/apis/v2/public/crm/addContactsFull";

export const form = $("#contact-form");
export const state = {
  definitions: [],
  dev: false,
  submitted: false,
  tags: [],
  /** path → the field's control: an input, select, textarea or a group of checkboxes. */
  controls: new Map(),
  /** path → pending timer that will show the field's new errors. */
  timers: new Map(),
};
