import assert from "node:assert/strict";
import { test } from "node:test";

import { formatRoles, parseNames, parseRoles } from "./project_settings.js";

test("entity label names are read whatever the separator", () => {
  assert.deepEqual(parseNames(" 人名，机构、地名, 组织  职位"), ["人名", "机构", "地名", "组织", "职位"]);
  assert.deepEqual(parseNames("  "), []);
});

test("roles are read back as they are written, in either width", () => {
  const roles = [
    { name: "任职者", labels: ["人名"], min: 1, max: 1 },
    { name: "机构", labels: ["机构", "组织"], min: 0, max: 2 },
  ];
  assert.deepEqual(parseRoles(formatRoles(roles)), roles);
  assert.deepEqual(parseRoles("时间：时间（0-1）；地点"), [
    { name: "时间", labels: ["时间"], min: 0, max: 1 },
    { name: "地点", labels: [], min: 0, max: 1 },
  ]);
});
