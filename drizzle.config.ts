import { defineConfig } from "drizzle-kit";

// Only generation lives here: migrations are applied by the server at start-up (db/migrate.ts),
// so this file opens no connection.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
