/** SQLite and MySQL/MariaDB report a foreign-key violation differently (1451: parent in use, 1452: no parent). */
export function isForeignKeyViolation(error: unknown): boolean {
  const { errno } = error as { errno?: number };
  return (
    errno === 1451 || errno === 1452 || /FOREIGN KEY constraint failed/.test(String((error as Error).message))
  );
}

/** SQLite and MySQL/MariaDB report a unique-key violation differently. */
export function isUniqueViolation(error: unknown): boolean {
  const { code, errno } = error as { code?: string; errno?: number };
  return (
    errno === 1062 ||
    code === "ER_DUP_ENTRY" ||
    /UNIQUE constraint failed/.test(String((error as Error).message))
  );
}
