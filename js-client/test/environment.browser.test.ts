import { expect, test } from "vitest";

// Runs only in the chromium project: proves the suite really ran in the browser.
test("the_chromium_project_runs_in_a_real_chromium", () => {
  expect(typeof window).toBe("object");
  expect(typeof document.createElement).toBe("function");
  expect(navigator.userAgent).toMatch(/Chrome\/\d+/);
});
