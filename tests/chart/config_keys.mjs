// Reads the configuration keys from shared/config/config_schema.cpp, the one list of keys the binaries
// accept (architecture.md, Decision 3). Each key is a call text("path", default, help[, {allowed…}]),
// number("path", default, min, max, help) or flag("path", default, help); a call runs up to the next one.
import { readFileSync } from "node:fs";

export function readConfigKeys(schemaCpp) {
  const source = readFileSync(schemaCpp, "utf8");
  const starts = [...source.matchAll(/\b(text|number|flag)\(\s*"([a-z0-9_]+\.[a-z0-9_]+)"\s*,/g)];
  const keys = new Map();
  starts.forEach((match, i) => {
    const [, kind, path] = match;
    const end = i + 1 < starts.length ? starts[i + 1].index : source.indexOf("};", match.index);
    const rest = source.slice(match.index + match[0].length, end);
    const key = { kind: { text: "string", number: "integer", flag: "boolean" }[kind] };
    if (kind === "number") {
      const [fallback, minimum, maximum] = rest.split(",").slice(0, 3).map((part) => Number(part.trim()));
      Object.assign(key, { default: fallback, minimum, maximum });
    } else if (kind === "text") {
      key.required = /^\s*std::nullopt/.test(rest);
      const allowed = rest.match(/\{([^{}]*)\}\s*\)\s*,?\s*$/s);
      if (allowed) key.enum = [...allowed[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    }
    keys.set(path, key);
  });
  if (keys.size < 10) {
    throw new Error(`${schemaCpp}: found only ${keys.size} configuration keys; has its layout changed?`);
  }
  return keys;
}
