import { TRPCError } from "@trpc/server";
import type { ErrorReason } from "../../shared/errors";

type Code = ConstructorParameters<typeof TRPCError>[0]["code"];

/** A TRPCError that carries a machine-readable reason; the error formatter exposes it as `data.reason`. */
export class ReasonedError extends TRPCError {
  readonly reason: ErrorReason;
  constructor(code: Code, reason: ErrorReason, message: string) {
    super({ code, message });
    this.reason = reason;
  }
}
