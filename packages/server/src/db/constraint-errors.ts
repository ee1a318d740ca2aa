/** SQLite and MySQL/MariaDB report a foreign-key violation differently (1451: parent in use, 1452: no parent). */
export function isForeignKeyViolation(error: unknown): boolean {
  const { errno } = error as { errno?: number };
  return (
    errno === 1451 || errno === 1452 || /FOREIGN KEY constraint failed/.test(String((error as Error).message))
  );
}
