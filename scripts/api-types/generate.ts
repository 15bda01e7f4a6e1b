/**
 * Writes the API's public type as one self-contained declaration file (ADR 0021): `AppRouter`
 * rebuilt from @trpc/server's own router and procedure types, with every procedure's input and
 * output spelled out as plain types, as tRPC infers them from the real router. A client then
 * needs that file and @trpc/server, nothing of the server's (Better Auth, drizzle, Node types).
 *
 * The types are read through TypeScript 7's checker (`typescript/unstable/sync`: the native
 * compiler answers over a pipe; it has no in-process API). What cannot cross the wire as JSON
 * (`any`, functions, class instances, enums, generics left open) stops the generator with the
 * procedure's path instead of being written vaguely. test/unit/app-router-declaration.test.ts
 * proves the result equal to the real router, examples/typed-client that it stands alone.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SyntaxKind } from "typescript/unstable/ast";
import {
  API,
  type Checker,
  type LiteralType,
  ObjectFlags,
  type ObjectType,
  type Project,
  SignatureKind,
  SymbolFlags,
  type Symbol as TsSymbol,
  type Type,
  TypeFlags,
  type TypeReference,
  type UnionOrIntersectionType,
} from "typescript/unstable/sync";

export const repoRoot = path.resolve(fileURLToPath(import.meta.url), "../../..");
/** Where `npm run build:types` writes the declaration. */
export const declarationPath = path.join(repoRoot, "dist/types/app-router.d.ts");

const PROJECT_CONFIG = "scripts/api-types/tsconfig.json";
const ROUTER_FILE = "server/routers/index.ts";
const LIMITS_FILE = "shared/api-limits.ts";
/** Declared whether or not a procedure names them: what clients switch on. */
const ALWAYS_DECLARED = [{ file: "shared/errors.ts", name: "ErrorReason" }];

/** Types of @trpc/server a named reference may keep: the client has @trpc/server too. */
const TRPC_TYPE_NAMES = new Set(["TRPC_ERROR_CODE_KEY", "TRPC_ERROR_CODE_NUMBER"]);
/** Names this file declares or imports itself; a project type of that name would shadow one. */
const RESERVED_NAMES = new Set([
  "AppRouter",
  "ErrorShape",
  "RouterInputs",
  "RouterOutputs",
  "TRPCBuiltRouter",
  "TRPCQueryProcedure",
  "TRPCMutationProcedure",
  "inferRouterInputs",
  "inferRouterOutputs",
  ...TRPC_TYPE_NAMES,
]);
/** CheckFlags.Readonly: a property made readonly by a mapped type (not by its declaration). */
const CHECK_FLAG_READONLY = 8;

/** Generates the declaration text of `AppRouter` from the router's source. */
export function generateAppRouterDeclaration(root = repoRoot): string {
  const api = new API({ cwd: root });
  try {
    const snapshot = api.updateSnapshot({ openProjects: [path.join(root, PROJECT_CONFIG)] });
    const project = snapshot.getProject(path.join(root, PROJECT_CONFIG));
    if (!project) throw new Error(`TypeScript did not open ${PROJECT_CONFIG}`);
    return new DeclarationWriter(project, root).write();
  } finally {
    api.close();
  }
}

class DeclarationWriter {
  private readonly project: Project;
  private readonly root: string;
  private readonly checker: Checker;
  /** Named types written out, by name; `text` is null while the type is being written. */
  private readonly named = new Map<string, { symbolId: number; text: string | null }>();
  private readonly trpcImports = new Set<string>();
  /**
   * Named unions: a union that contains all of one's members prints its name (`ErrorReason | null`),
   * as the checker does not keep that spelling once a union is widened.
   */
  private readonly namedUnions: { name: string; memberIds: Set<number>; trpc: boolean }[] = [];
  private readonly libFiles = new Map<string, boolean>();
  /** Where the writer is (procedure path, then properties), for messages. */
  private readonly trail: string[] = [];

  constructor(project: Project, root: string) {
    this.project = project;
    this.root = root;
    this.checker = project.checker;
  }

  write(): string {
    const appRouter = this.checker.getDeclaredTypeOfSymbol(this.exported(ROUTER_FILE, "AppRouter"));
    const batchLimit = this.checker.getTypeOfSymbol(
      this.exported(LIMITS_FILE, "MAX_TRPC_BATCH_SIZE"),
    );
    if (!batchLimit || !(batchLimit.flags & TypeFlags.NumberLiteral)) {
      throw new Error(`MAX_TRPC_BATCH_SIZE in ${LIMITS_FILE} must be a number literal`);
    }
    const maxBatch = (batchLimit as LiteralType).value;
    for (const { file, name } of ALWAYS_DECLARED) {
      const symbol = this.exported(file, name);
      this.declare(symbol, this.checker.getDeclaredTypeOfSymbol(symbol), "type");
    }
    this.nameTrpcUnions();

    const def = this.member(appRouter, "_def");
    const rootTypes = this.member(this.member(def, "_config"), "$types");
    this.trail.push("errorShape");
    const errorShape = this.print(this.member(rootTypes, "errorShape"), 0);
    this.trail.pop();
    const meta = this.print(this.member(rootTypes, "meta"), 1);
    const transformer = this.print(this.member(rootTypes, "transformer"), 1);
    const record = this.record(this.member(def, "record"), 1);

    const imports = [
      "TRPCBuiltRouter",
      "TRPCMutationProcedure",
      "TRPCQueryProcedure",
      ...[...this.trpcImports].sort(),
      "inferRouterInputs",
      "inferRouterOutputs",
    ];
    const namedTypes = [...this.named.values()].map((entry) => entry.text);
    return [
      `// Generated from ${ROUTER_FILE} by \`npm run build:types\` (scripts/api-types). Do not edit:`,
      "// change the router and generate it again. Needs only @trpc/server (11.19) next to it.",
      "",
      `import type {\n${imports.map((name) => `  ${name},`).join("\n")}\n} from "@trpc/server";`,
      "",
      ...namedTypes.flatMap((text) => [text, ""]),
      "/** What a failed call carries: `error.data.reason` is the app's reason code, `error.data.zodError` the flattened issues of a bad input. */",
      `export type ErrorShape = ${errorShape};`,
      "",
      "/**",
      " * The app's tRPC API, for `createTRPCClient<AppRouter>`: every procedure with its input and",
      " * output. No transformer: dates travel as ISO strings. A batch may carry at most",
      ` * ${maxBatch} calls (\`httpBatchLink({ url, maxItems: ${maxBatch} })\`); the server refuses a larger one`,
      " * with 400 before running any.",
      " */",
      "export type AppRouter = TRPCBuiltRouter<",
      "  {",
      "    /** The server's context is not part of the API. */",
      "    ctx: object;",
      `    meta: ${meta};`,
      "    errorShape: ErrorShape;",
      `    transformer: ${transformer};`,
      "  },",
      `  ${record}`,
      ">;",
      "",
      "/** The input of every procedure, by path: `RouterInputs['session']['revoke']`. */",
      "export type RouterInputs = inferRouterInputs<AppRouter>;",
      "/** The output of every procedure, by path: `RouterOutputs['session']['list']`. */",
      "export type RouterOutputs = inferRouterOutputs<AppRouter>;",
      "",
    ]
      .join("\n")
      .replace(/[ \t]+$/gm, "");
  }

  /** tRPC's own unions (the error code names), to be imported by name where they appear whole. */
  private nameTrpcUnions() {
    const index = this.project.program
      .getSourceFileNames()
      .find((file) => file.endsWith("/node_modules/@trpc/server/dist/index.d.mts"));
    if (!index) return;
    for (const name of TRPC_TYPE_NAMES) {
      const symbol = this.exported(index, name);
      const type = this.checker.getDeclaredTypeOfSymbol(symbol);
      if (type.flags & TypeFlags.Union) this.nameUnion(name, type, true);
    }
  }

  private nameUnion(name: string, type: Type, trpc: boolean) {
    const memberIds = new Set((type as UnionOrIntersectionType).getTypes().map((part) => part.id));
    this.namedUnions.push({ name, memberIds, trpc });
    this.namedUnions.sort((a, b) => b.memberIds.size - a.memberIds.size);
  }

  private exported(file: string, name: string): TsSymbol {
    const sourceFile = this.project.program.getSourceFile(path.resolve(this.root, file));
    const module = sourceFile && this.checker.getSymbolAtLocation(sourceFile);
    const symbol = module && this.checker.getMemberInModuleExports(module, name);
    if (!symbol) throw new Error(`${file} does not export ${name}`);
    return symbol.flags & SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
  }

  private member(type: Type, name: string): Type {
    const symbol = this.checker.getPropertyOfType(type, name);
    const member = symbol && this.checker.getTypeOfSymbol(symbol);
    if (!member) throw this.fail(`has no \`${name}\` (is @trpc/server still 11.19?)`);
    return member;
  }

  /** A router record: procedures and nested routers, by name. */
  private record(type: Type, indent: number): string {
    const lines: string[] = [];
    for (const property of this.checker.getPropertiesOfType(type)) {
      const value = this.checker.getTypeOfSymbol(property);
      if (!value) throw this.fail(`: no type for ${property.name}`);
      this.trail.push(property.name);
      const body = this.isProcedure(value)
        ? this.procedure(value, indent + 1)
        : this.record(value, indent + 1);
      lines.push(
        `${this.doc(property, indent + 1)}${pad(indent + 1)}${key(property.name)}: ${body};`,
      );
      this.trail.pop();
    }
    return `{\n${lines.join("\n")}\n${pad(indent)}}`;
  }

  private isProcedure(type: Type): boolean {
    const def = this.checker.getPropertyOfType(type, "_def");
    const defType = def && this.checker.getTypeOfSymbol(def);
    return (
      defType !== undefined && this.checker.getPropertyOfType(defType, "procedure") !== undefined
    );
  }

  private procedure(type: Type, indent: number): string {
    const def = this.member(type, "_def");
    const kind = this.member(def, "type");
    const builder =
      kind.flags & TypeFlags.StringLiteral
        ? { query: "TRPCQueryProcedure", mutation: "TRPCMutationProcedure" }[
            String((kind as LiteralType).value)
          ]
        : undefined;
    if (!builder) throw this.fail("is a subscription, which the declaration cannot write yet");
    const types = this.member(def, "$types");
    const inner = pad(indent + 1);
    this.trail.push("input");
    const input = this.print(this.member(types, "input"), indent + 1);
    this.trail.splice(-1, 1, "output");
    const output = this.print(this.member(types, "output"), indent + 1);
    this.trail.pop();
    const meta = this.print(this.member(type, "meta"), indent + 1);
    return `${builder}<{\n${inner}input: ${input};\n${inner}output: ${output};\n${inner}meta: ${meta};\n${pad(indent)}}>`;
  }

  /** A type as TypeScript source: named when it is one of ours, else spelled out. */
  private print(type: Type, indent: number, byName = true): string {
    if (this.trail.length > 64) throw this.fail("nests too deep (a recursive type?)");
    const flags = type.flags;
    if (flags & TypeFlags.Any) throw this.fail("is `any`: give it a type");
    if (byName) {
      const name = this.reference(type);
      if (name) return name;
    }
    if (flags & (TypeFlags.Enum | TypeFlags.EnumLiteral)) {
      throw this.fail("is an enum: use a union of literals (erasable syntax only)");
    }
    if (flags & TypeFlags.Boolean) return "boolean";
    if (flags & TypeFlags.Union) {
      return this.union(type as UnionOrIntersectionType, indent, byName);
    }
    if (flags & TypeFlags.Intersection) {
      return (type as UnionOrIntersectionType)
        .getTypes()
        .map((part) => this.parenthesized(part, indent))
        .join(" & ");
    }
    if (flags & TypeFlags.StringLiteral) return JSON.stringify((type as LiteralType).value);
    if (flags & TypeFlags.NumberLiteral) return String((type as LiteralType).value);
    if (flags & TypeFlags.BigIntLiteral) return `${(type as LiteralType).value}n`;
    if (flags & TypeFlags.BooleanLiteral) return booleanLiteral(type);
    const intrinsic = INTRINSICS.find(([flag]) => flags & flag);
    if (intrinsic) return intrinsic[1];
    if (flags & TypeFlags.Object) return this.object(type, indent);
    throw this.fail(`cannot be written out: ${this.checker.typeToString(type)}`);
  }

  /** The name to print for a type that has one the client can use, writing its declaration once. */
  private reference(type: Type): string | null {
    const alias = type.getAliasSymbol();
    if (alias && type.getAliasTypeArguments().length === 0) {
      const origin = this.origin(alias);
      if (origin === "project") return this.declare(alias, type, "type");
      if (origin === "trpc" && TRPC_TYPE_NAMES.has(alias.name)) {
        this.trpcImports.add(alias.name);
        return alias.name;
      }
    }
    if (!(type.flags & TypeFlags.Object)) return null;
    const symbol = type.getSymbol();
    if (!symbol || !(symbol.flags & (SymbolFlags.Interface | SymbolFlags.Class))) return null;
    if (symbol.flags & SymbolFlags.Class) {
      throw this.fail(`is an instance of class ${symbol.name}: return plain data`);
    }
    const generic =
      (type as ObjectType).objectFlags & ObjectFlags.Reference &&
      this.checker.getTypeArguments(type as TypeReference).length > 0;
    if (generic) return null;
    const origin = this.origin(symbol);
    // Date and the like are in every client's lib (without a transformer they arrive as strings).
    if (origin === "lib") return symbol.name;
    if (origin === "project") return this.declare(symbol, type, "interface");
    return null;
  }

  private declare(symbol: TsSymbol, type: Type, kind: "interface" | "type"): string {
    const name = symbol.name;
    const known = this.named.get(name);
    if (known) {
      if (known.symbolId !== symbol.id) throw this.fail(`uses two different types named ${name}`);
      return name;
    }
    if (RESERVED_NAMES.has(name)) throw this.fail(`uses a type named ${name}: rename it`);
    const entry = { symbolId: symbol.id, text: null as string | null };
    this.named.set(name, entry);
    if (kind === "type" && type.flags & TypeFlags.Union && !(type.flags & TypeFlags.Boolean)) {
      this.nameUnion(name, type, false);
    }
    this.trail.push(name);
    const doc = this.doc(symbol, 0);
    entry.text =
      kind === "interface"
        ? `${doc}export interface ${name} ${this.members(type, 0)}`
        : `${doc}export type ${name} = ${this.print(type, 0, false)};`;
    this.trail.pop();
    return name;
  }

  /** Members in the checker's order, but `boolean` whole and `null`, `undefined` last, as TypeScript prints them. */
  private union(type: UnionOrIntersectionType, indent: number, byName: boolean): string {
    let members = type.getTypes();
    const names: string[] = [];
    for (const known of this.namedUnions) {
      const ids = new Set(members.map((part) => part.id));
      const whole = known.memberIds.size === ids.size;
      if ((whole && !byName) || ![...known.memberIds].every((id) => ids.has(id))) continue;
      if (known.trpc) this.trpcImports.add(known.name);
      names.push(known.name);
      members = members.filter((part) => !known.memberIds.has(part.id));
    }
    const booleans = members.filter((part) => part.flags & TypeFlags.BooleanLiteral);
    const others = members.filter(
      (part) => !(part.flags & (TypeFlags.BooleanLiteral | TypeFlags.Null | TypeFlags.Undefined)),
    );
    const all = [
      ...names,
      ...others.map((part) => this.parenthesized(part, indent)),
      // `boolean` is `true | false` to the checker.
      ...(booleans.length === 2 ? ["boolean"] : booleans.map(booleanLiteral)),
      ...(members.some((part) => part.flags & TypeFlags.Null) ? ["null"] : []),
      ...(members.some((part) => part.flags & TypeFlags.Undefined) ? ["undefined"] : []),
    ];
    const line = all.join(" | ");
    if (line.length <= 80 || all.some((part) => part.includes("\n"))) return line;
    return all.map((part) => `\n${pad(indent + 1)}| ${part}`).join("");
  }

  /** A union or function inside an intersection or array needs parentheses. */
  private parenthesized(type: Type, indent: number): string {
    const text = this.print(type, indent);
    const bare =
      type.flags & TypeFlags.Boolean ||
      !(type.flags & (TypeFlags.Union | TypeFlags.Intersection)) ||
      this.reference(type) !== null;
    return bare ? text : `(${text})`;
  }

  private object(type: Type, indent: number): string {
    if (this.checker.isArrayType(type)) {
      const [element] = this.checker.getTypeArguments(type as TypeReference);
      if (!element) throw this.fail("is an array without an element type");
      const target = (type as TypeReference).getTarget().getSymbol();
      const readonly = target?.name === "ReadonlyArray" ? "readonly " : "";
      return `${readonly}${this.parenthesized(element, indent)}[]`;
    }
    if (this.checker.isTupleType(type)) {
      throw this.fail("is a tuple, which the declaration cannot write yet: use an object or array");
    }
    if (
      this.checker.getSignaturesOfType(type, SignatureKind.Call).length > 0 ||
      this.checker.getSignaturesOfType(type, SignatureKind.Construct).length > 0
    ) {
      throw this.fail("is a function, which JSON cannot carry");
    }
    return this.members(type, indent);
  }

  /** `{ ... }` with every property (and index signature) of an object type, with its JSDoc. */
  private members(type: Type, indent: number): string {
    const lines: string[] = [];
    for (const info of this.checker.getIndexInfosOfType(type)) {
      const readonly = info.isReadonly ? "readonly " : "";
      const keyType = this.print(info.keyType, indent + 1);
      const valueType = this.print(info.valueType, indent + 1);
      lines.push(`${pad(indent + 1)}${readonly}[key: ${keyType}]: ${valueType};`);
    }
    for (const property of this.checker.getPropertiesOfType(type)) {
      if (property.flags & SymbolFlags.Method) throw this.fail(`has a method ${property.name}`);
      if (property.escapedName.startsWith("__@")) {
        throw this.fail(`has a symbol-keyed property ${property.name}`);
      }
      const propertyType = this.checker.getTypeOfSymbol(property);
      if (!propertyType) throw this.fail(`: no type for ${property.name}`);
      this.trail.push(property.name);
      const readonly = this.isReadonly(property) ? "readonly " : "";
      const optional = property.flags & SymbolFlags.Optional ? "?" : "";
      const text = this.print(propertyType, indent + 1);
      lines.push(
        `${this.doc(property, indent + 1)}${pad(indent + 1)}${readonly}${key(property.name)}${optional}: ${text};`,
      );
      this.trail.pop();
    }
    return lines.length === 0 ? "{}" : `{\n${lines.join("\n")}\n${pad(indent)}}`;
  }

  private isReadonly(property: TsSymbol): boolean {
    if (property.checkFlags & CHECK_FLAG_READONLY) return true;
    return property.declarations.some((handle) => {
      const node = handle.resolve(this.project) as { modifiers?: readonly { kind: number }[] };
      return node?.modifiers?.some((modifier) => modifier.kind === SyntaxKind.ReadonlyKeyword);
    });
  }

  private origin(symbol: TsSymbol): "project" | "trpc" | "lib" | "package" {
    const file = symbol.declarations[0]?.path ?? "";
    if (file.includes("/node_modules/@trpc/server/")) return "trpc";
    if (this.isLib(file)) return "lib";
    if (file.includes("/node_modules/")) return "package";
    return file.startsWith(`${this.root}/`) ? "project" : "package";
  }

  private isLib(file: string): boolean {
    let lib = this.libFiles.get(file);
    if (lib === undefined) {
      const sourceFile = this.project.program.getSourceFile(file);
      lib = sourceFile !== undefined && this.project.program.isSourceFileDefaultLibrary(sourceFile);
      this.libFiles.set(file, lib);
    }
    return lib;
  }

  /** The symbol's JSDoc (text and tags), indented, or nothing. */
  private doc(symbol: TsSymbol, indent: number): string {
    const text = symbol.getDocumentationComment(this.checker).trim();
    const tags = symbol
      .getJsDocTags(this.checker)
      .map((tag) => `@${tag.name}${tag.text ? ` ${tag.text}` : ""}`);
    const lines = [...(text ? text.split("\n") : []), ...tags].map((line) =>
      line.replaceAll("*/", "*\\/").trimEnd(),
    );
    if (lines.length === 0) return "";
    if (lines.length === 1) return `${pad(indent)}/** ${lines[0]} */\n`;
    const body = lines.map((line) => `${pad(indent)} *${line ? ` ${line}` : ""}`).join("\n");
    return `${pad(indent)}/**\n${body}\n${pad(indent)} */\n`;
  }

  private fail(problem: string): Error {
    const where = this.trail.length > 0 ? this.trail.join(".") : "AppRouter";
    return new Error(`Cannot write the API declaration: ${where} ${problem}`);
  }
}

const INTRINSICS: [TypeFlags, string][] = [
  [TypeFlags.Unknown, "unknown"],
  [TypeFlags.Never, "never"],
  [TypeFlags.String, "string"],
  [TypeFlags.Number, "number"],
  [TypeFlags.BigInt, "bigint"],
  [TypeFlags.Null, "null"],
  [TypeFlags.Undefined, "undefined"],
  [TypeFlags.Void, "void"],
  [TypeFlags.NonPrimitive, "object"],
  [TypeFlags.ESSymbol, "symbol"],
];

function booleanLiteral(type: Type): string {
  const { value, intrinsicName } = type as LiteralType & { intrinsicName?: string };
  return typeof value === "boolean" ? String(value) : (intrinsicName ?? "boolean");
}

function pad(indent: number): string {
  return "  ".repeat(indent);
}

function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}
