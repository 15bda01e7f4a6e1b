/** The message of a BAD_REQUEST from a schema: a sentence, the issues themselves in data.zodError. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeInvalidInput } from "../../server/trpc/errors";
import { changeEmailInput, changePasswordInput } from "../../shared/schemas";

function issuesOf(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error("expected the input to be refused");
  return result.error;
}

describe("describeInvalidInput", () => {
  it("names the field and says what is wrong with it", () => {
    expect(describeInvalidInput(issuesOf(changeEmailInput, { newEmail: "nope" }))).toBe(
      "Check newEmail: Enter a valid email address",
    );
  });

  it("counts the other problems, which data.zodError lists", () => {
    expect(
      describeInvalidInput(
        issuesOf(changePasswordInput, { currentPassword: "", newPassword: "x" }),
      ),
    ).toBe("Check currentPassword: Enter your password (and 1 more problem)");
  });

  it("names nested fields by their path, and the input itself when it is the problem", () => {
    const nested = z.object({ a: z.object({ b: z.number() }) });
    expect(describeInvalidInput(issuesOf(nested, { a: { b: "x" } }))).toBe(
      "Check a.b: Invalid input: expected number, received string",
    );
    expect(describeInvalidInput(issuesOf(changeEmailInput, "text"))).toBe(
      "Check the input: Invalid input: expected object, received string",
    );
  });
});
