// Two customers book seat 1 at once, written in SQL only (each actor a list of statements, as in
// PostgreSQL's isolation tests). "Insert unless booked" inside a transaction books the seat twice
// under READ COMMITTED; locking the seat's row first makes the second see the first's booking.
import { defineScenario, sqlActor } from 'position-race-harness';

const bookUnlessBooked = (customer: string) =>
  `INSERT INTO booking (seat_id, customer) SELECT 1, '${customer}' WHERE NOT EXISTS (SELECT 1 FROM booking WHERE seat_id = 1)`;

function twoBookings(name: string, lockSeat: boolean, expect: 'holds' | 'violates') {
  const customer = (who: string) =>
    sqlActor(who, ['BEGIN', ...(lockSeat ? ['SELECT id FROM seat WHERE id = 1 FOR UPDATE'] : []), bookUnlessBooked(who), 'COMMIT']);
  return defineScenario({
    name,
    title: `Two customers book one seat (${lockSeat ? 'seat row locked first' : 'insert unless booked'})`,
    schema: new URL('./schema.sql', import.meta.url),
    setup: ({ sql }) => sql('INSERT INTO seat VALUES (1)'),
    actors: [customer('ann'), customer('bob')],
    check: async ({ sql }) => {
      const { rows } = await sql<{ customers: string }>("SELECT string_agg(customer, ', ' ORDER BY customer) AS customers FROM booking WHERE seat_id = 1 HAVING count(*) > 1");
      if (rows[0]) return `seat 1 booked twice: ${rows[0].customers}`;
    },
    expect,
  });
}

export const seatBookingBuggy = twoBookings('seat-booking-buggy', false, 'violates');
export const seatBookingFixed = twoBookings('seat-booking-fixed', true, 'holds');
