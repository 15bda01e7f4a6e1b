/**
 * The server's structure holds (ADR 0026): no import circle in server/ (type-only imports count
 * too), and the rooms of sessions/ import one way: authenticate → lifecycle → cache, never back.
 * Read from the source's own import lines, as a reader would follow them.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const server = path.join(root, "server");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith(".ts") ? [full] : [];
  });
}

/** Every relative import and re-export of `file` that resolves to a file under server/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"(\.[^"]+)"/g)];
  return specifiers
    .map((match) => path.resolve(path.dirname(file), `${match[1]}.ts`))
    .filter((target) => target.startsWith(server));
}

const graph = new Map(sourceFiles(server).map((file) => [file, importsOf(file)]));
const relative = (file: string) => path.relative(root, file);

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function circles(): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string) => {
    indexOf.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!indexOf.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) ?? 0, indexOf.get(next) ?? 0));
      }
    }
    if (low.get(file) !== indexOf.get(file)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member; member = stack.pop()) {
      onStack.delete(member);
      component.push(relative(member));
      if (member === file) break;
    }
    if (component.length > 1 || graph.get(file)?.includes(file)) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!indexOf.has(file)) visit(file);
  return found;
}

describe("server structure", () => {
  it("reads the imports it checks (the graph is not empty)", () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get(path.join(server, "app.ts"))).toContain(path.join(server, "http/server.ts"));
  });

  it("has no import circle", () => {
    expect(circles()).toEqual([]);
  });

  it("sessions/ rooms import one way: authenticate → lifecycle → cache", () => {
    const rooms = ["authenticate", "lifecycle", "cache"];
    const roomOf = (file: string) =>
      rooms.findIndex((room) => file.startsWith(path.join(server, "sessions", room) + path.sep));
    const backwards: string[] = [];
    for (const [file, imports] of graph) {
      const from = roomOf(file);
      if (from === -1) continue;
      for (const target of imports) {
        const to = roomOf(target);
        if (to !== -1 && to < from) backwards.push(`${relative(file)} → ${relative(target)}`);
      }
    }
    expect(backwards).toEqual([]);
  });
});
