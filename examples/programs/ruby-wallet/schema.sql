-- A wallet and the payments taken from it: the balance must never pay for more than it held.
CREATE TABLE wallet (
    id      int PRIMARY KEY,
    balance int NOT NULL CHECK (balance >= 0)
);
CREATE TABLE payment (
    id        serial PRIMARY KEY,
    wallet_id int NOT NULL REFERENCES wallet (id),
    amount    int NOT NULL
);
