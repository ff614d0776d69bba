/** A SOQL string literal: backslashes and single quotes escaped, as SOQL's reference requires. */
export const soqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
