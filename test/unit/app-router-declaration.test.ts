/**
 * The API declaration for other apps (dist/types/app-router.d.ts, `npm run build:types`, ADR 0021)
 * against the real router. The type assertions fail `npm run typecheck` (which generates the file
 * first) the moment the two differ in a path, a kind, an input, an output or the error shape; the
 * tests check that the file on disk is current and needs nothing but @trpc/server.
 * examples/typed-client proves it in a project of its own.
 */
import { readFileSync } from "node:fs";
import type { TRPCClient } from "@trpc/client";
import type {
  AnyTRPCProcedure,
  AnyTRPCRouter,
  inferRouterError,
  inferRouterInputs,
  inferRouterOutputs,
} from "@trpc/server";
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { AppRouter as Declared } from "../../dist/types/app-router";
import { declarationPath, generateAppRouterDeclaration } from "../../scripts/api-types/generate";
import type { AppRouter } from "../../server/routers";

/** Each procedure's kind (query, mutation) by path. */
type Kinds<TRecord> = {
  [K in keyof TRecord]: TRecord[K] extends AnyTRPCProcedure
    ? TRecord[K]["_def"]["type"]
    : Kinds<TRecord[K]>;
};
type KindsOf<TRouter extends AnyTRPCRouter> = Kinds<TRouter["_def"]["record"]>;

// Strict equality (optional, readonly and `undefined` count), not mere assignability.
expectTypeOf<KindsOf<Declared>>().toEqualTypeOf<KindsOf<AppRouter>>();
expectTypeOf<inferRouterInputs<Declared>>().toEqualTypeOf<inferRouterInputs<AppRouter>>();
expectTypeOf<inferRouterOutputs<Declared>>().toEqualTypeOf<inferRouterOutputs<AppRouter>>();
expectTypeOf<inferRouterError<Declared>>().toEqualTypeOf<inferRouterError<AppRouter>>();
// What a client sees: every call signature, its input, output and error.
expectTypeOf<TRPCClient<Declared>>().toEqualTypeOf<TRPCClient<AppRouter>>();

describe("the API declaration (dist/types/app-router.d.ts)", () => {
  let generated = "";
  beforeAll(() => {
    generated = generateAppRouterDeclaration();
  }, 60_000);

  it("is what the router generates now (else run `npm run build:types`)", () => {
    expect(readFileSync(declarationPath, "utf8")).toBe(generated);
  });

  it("imports nothing but types of @trpc/server", () => {
    const imports = [...generated.matchAll(/\bfrom\s+["']([^"']+)["']/g)].map((m) => m[1]);
    expect(imports).toEqual(["@trpc/server"]);
    expect(generated).toMatch(/^import type \{/m);
    expect(generated).not.toMatch(/\bimport\s*\(|\/\/\/\s*<reference|\brequire\s*\(/);
  });

  it("names no Node global and no `any`", () => {
    const code = generated.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    expect(code).not.toMatch(/\b(any|process|NodeJS|Buffer|global|__dirname)\b|node:/);
  });
});
