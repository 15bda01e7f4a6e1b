import { afterEach, vi } from "vitest";

// An unexpected console.error is a failure (Epic Stack habit): a test that expects one mocks it.
let errors: unknown[][] = [];
const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
  errors.push(args);
});

afterEach(() => {
  const seen = errors;
  errors = [];
  spy.mockClear();
  if (seen.length > 0) {
    throw new Error(
      `Unexpected console.error:\n${seen.map((args) => args.map(String).join(" ")).join("\n")}`,
    );
  }
});
