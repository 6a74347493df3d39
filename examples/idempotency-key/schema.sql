-- Charges, and the Idempotency-Key of each request that made one (as payment APIs keep them).
CREATE TABLE charge (
    id       serial PRIMARY KEY,
    order_id int NOT NULL,
    amount   int NOT NULL
);
CREATE TABLE idempotency_key (
    key       text PRIMARY KEY,
    charge_id int REFERENCES charge (id)
);
