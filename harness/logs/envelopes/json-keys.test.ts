import { describe, expect, it } from "vitest";
import { parseJsonKeys } from "./json-keys.ts";

describe("parseJsonKeys", () => {
  it("reads FIELD=KEY pairs; a field given twice gets both keys", () => {
    expect(parseJsonKeys("message=msg,pid=process,instance=dyno")).toEqual({ message: ["msg"], pid: ["process"], instance: ["dyno"] });
    expect(parseJsonKeys(" level=lvl , level=severity,")).toEqual({ level: ["lvl", "severity"] });
    expect(parseJsonKeys("instance=kubernetes.pod_name")).toEqual({ instance: ["kubernetes.pod_name"] });
    expect(parseJsonKeys("")).toEqual({});
  });

  it.each([
    ["message", /"message" is not FIELD=KEY/],
    ["message=msg,colour=red", /unknown field "colour" in "colour=red"/],
    ["level=", /"level=" names no usable key/],
    ["pid=a b", /"pid=a b" names no usable key/],
  ])("%s throws, naming the bad part", (spec, error) => {
    expect(() => parseJsonKeys(spec)).toThrow(error);
  });
});
