/**
 * The tokens most API tests need: the city's (every org unit), Jianghan's and Hongshan's (two
 * districts that must not see each other's), with the same rights, named after the test so a
 * log line says whose they are.
 */
import type { Right } from '../../events/tokens.js';

export interface DistrictTokens {
  CITY: string;
  JH: string;
  HS: string;
  /** the three as api.tokens entries */
  tokens: { token: string; org: string; name: string; rights: Right[] }[];
}

export function districtTokens(test: string, rights: Right[]): DistrictTokens {
  const token = (who: string) => `${who}-${test}-token-0000000001`;
  const [CITY, JH, HS] = [token('city'), token('jianghan'), token('hongshan')];
  return {
    CITY,
    JH,
    HS,
    tokens: [
      { token: CITY, org: '', name: 'city', rights },
      { token: JH, org: 'wuhan/jianghan', name: 'jianghan', rights },
      { token: HS, org: 'wuhan/hongshan', name: 'hongshan', rights },
    ],
  };
}
