const BY_EXTENSION: Record<string, string> = {
  c: "c",
  h: "c",
  cc: "cpp",
  cpp: "cpp",
  cxx: "cpp",
  hpp: "cpp",
  cs: "csharp",
  css: "css",
  dart: "dart",
  ex: "elixir",
  exs: "elixir",
  go: "go",
  html: "html",
  java: "java",
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  json: "json",
  kt: "kotlin",
  kts: "kotlin",
  lua: "lua",
  md: "markdown",
  php: "php",
  py: "python",
  rb: "ruby",
  rs: "rust",
  scala: "scala",
  sh: "shell",
  bash: "shell",
  sql: "sql",
  swift: "swift",
  ts: "typescript",
  tsx: "typescript",
  mts: "typescript",
  cts: "typescript",
  vue: "vue",
  xml: "xml",
  yaml: "yaml",
  yml: "yaml",
  toml: "toml",
};

const BY_NAME: Record<string, string> = { dockerfile: "dockerfile", makefile: "makefile" };

/** A file's language from its name: `src/App.tsx` → `typescript`; `text` when the name says nothing. */
export function languageOf(path: string): string {
  const name = (path.split("/").at(-1) ?? path).toLowerCase();
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1) : "";
  return BY_NAME[name] ?? BY_EXTENSION[extension] ?? "text";
}
