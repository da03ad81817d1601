import { describe, expect, it } from "vitest";
import { bannerMatrix } from "./banner-matrix.ts";

// That docs/banners.md shows this matrix is harness/docs/docs-tables.test.ts's to check, with the docs' other generated tables.
describe("the banner matrix", () => {
  const rows = bannerMatrix();

  it("has every fault on every suite and worker class, each with both configs recorded", () => {
    const stacks = new Set(rows.map((r) => r.stack));
    expect([...stacks].sort()).toEqual(["bookworm", "sid", "sid-asgi", "trixie"]);
    for (const row of rows.filter((r) => r.case !== "boot-failure"))
      expect(row.stock, `${row.case} on ${row.stack}`).not.toBe("not recorded");
  });

  it("shows what the recorded runs showed: stock hooks print nothing under UvicornWorker, the drop-in prints what each death calls for", () => {
    const at = (c: string, stack: string) => rows.find((r) => r.case === c && r.stack === stack)!;
    for (const stack of ["bookworm", "trixie", "sid"]) {
      expect(at("deploy", stack).stock).toBe("—");
      expect(at("deploy", stack).dropIn).toMatch(/^INTERRUPT \((\d) of \1\)$/);
      expect(at("timeout", stack).stock).toBe("—");
      expect(at("timeout", stack).dropIn).toBe("ABORT (1 of 1)");
    }
    expect(at("deploy", "trixie").logged).toBe("`[ERROR] Worker (pid:N) was sent SIGTERM!`");
    expect(at("deploy", "sid").logged).toBe("`[INFO] Worker (pid:N) was sent SIGTERM!`");
  });
});
