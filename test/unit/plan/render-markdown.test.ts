import { describe, expect, it } from "vitest";
import { cell } from "../../../functions/plan/render-markdown";

describe("markdown cells", () => {
  it("keep names from the records from turning into HTML, columns or lines", () => {
    expect(cell("<script>alert(1)</script> A|B & `C`\r\nBcc: x")).toBe(
      "&lt;script&gt;alert(1)&lt;/script&gt; A\\|B &amp; 'C' Bcc: x",
    );
  });
});
