CREATE TABLE ledger_entries (id bigserial PRIMARY KEY, account text NOT NULL, amount_cents bigint NOT NULL);
INSERT INTO ledger_entries (account, amount_cents) SELECT 'acct-' || (g % 7), g * 100 FROM generate_series(1, 500) AS g;
