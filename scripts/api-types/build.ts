/**
 * `npm run build:types`: writes dist/types/app-router.d.ts, the API's type for clients in other
 * projects (README "Use the API from another app", ADR 0021).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { declarationPath, generateAppRouterDeclaration, repoRoot } from "./generate";

const startedAtMs = Date.now();
const text = generateAppRouterDeclaration();
mkdirSync(path.dirname(declarationPath), { recursive: true });
writeFileSync(declarationPath, text);
const seconds = ((Date.now() - startedAtMs) / 1000).toFixed(1);
console.log(`Wrote ${path.relative(repoRoot, declarationPath)} in ${seconds} s`);
