/**
 * The duty-area fixtures the tests share: a square beat in Jianghan, points inside and outside
 * it, and a schedule that is on shift whenever a test runs. Expected values in the tests follow
 * from these by hand (the square's edges are round numbers of degrees).
 */

/** every day, all day */
export const ALWAYS = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((day) => ({ day, start: '00:00', end: '24:00' }));

/** A square ring from its south-west corner, counter-clockwise (RFC 7946), closed. */
export function square(west: number, south: number, side: number): { type: 'Polygon'; coordinates: number[][][] } {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [west, south],
        [west + side, south],
        [west + side, south + side],
        [west, south + side],
        [west, south],
      ],
    ],
  };
}

/** 114.27..114.29 E, 30.58..30.60 N: a beat of about 2 km by 2 km in Jianghan */
export const BEAT = square(114.27, 30.58, 0.02);
export const INSIDE = { lat: 30.59, lng: 114.28 };
export const OUTSIDE = { lat: 30.62, lng: 114.28 };
