import { TRPCError } from "@trpc/server";
import { expect } from "vitest";
import type { ReasonedError } from "../../server/trpc/errors";

/** Asserts a call fails with this tRPC code (and reason, when given). */
export async function expectTrpcError(
  promise: Promise<unknown>,
  code: TRPCError["code"],
  reason?: string,
): Promise<TRPCError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  const trpcError = error as TRPCError;
  expect(trpcError.code).toBe(code);
  if (reason) expect((trpcError as ReasonedError).reason).toBe(reason);
  return trpcError;
}
