/** Reading tRPC answers of the real HTTP server (`HttpClient` responses), with their checks. */
import { expect } from "vitest";

/** The `data` of a successful tRPC response, after checking it is one. */
export async function dataOf<T>(response: Response): Promise<T> {
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.result.data as T;
}

export interface TrpcHttpError {
  message: string;
  data: { zodError: { fieldErrors: Record<string, string[]> } | null };
}

/** Asserts an HTTP tRPC error with this status, code and reason; returns the error. */
export async function expectTrpcFailure(
  response: Response,
  status: number,
  code: string,
  reason: string | null,
): Promise<TrpcHttpError> {
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(body.error.data.code).toBe(code);
  expect(body.error.data.reason).toBe(reason);
  return body.error as TrpcHttpError;
}
