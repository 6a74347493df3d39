-- Seats of a show and their bookings: one booking per seat.
CREATE TABLE seat (id int PRIMARY KEY);
CREATE TABLE booking (
    id       serial PRIMARY KEY,
    seat_id  int NOT NULL REFERENCES seat (id),
    customer text NOT NULL
);
