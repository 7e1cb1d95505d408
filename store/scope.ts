/**
 * The scope condition in SQL, as events/scope.ts has it in code: an org path is inside a scope
 * when it is the scope or below it ("" = everything). The scope's own % and _ are literal.
 */
export function scopeCondition(column: string, scope: string, param: (value: unknown) => string): string | undefined {
  if (scope === '') return undefined;
  return `(${column} = ${param(scope)} OR ${column} LIKE ${param(`${scope.replace(/[\\%_]/g, (ch) => `\\${ch}`)}/%`)})`;
}
