-- Schema version 4: web logins, their sessions and one token per scanner device (issue 15). Frozen: never edit; a change is a new step.

-- P23 web logins: a role, a password hash (argon2), tied to a person or not
CREATE TABLE IF NOT EXISTS "app_user" ("id" SERIAL NOT NULL PRIMARY KEY, "username" TEXT NOT NULL, "role" TEXT NOT NULL, "person_id" INTEGER, "password_hash" TEXT NOT NULL, "active" BOOLEAN NOT NULL, "created_at" TEXT NOT NULL, "changed_at" TEXT NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "app_user_username" ON "app_user" ("username");
CREATE INDEX IF NOT EXISTS "app_user_person_id" ON "app_user" ("person_id");
-- server-side sessions (only the token's sha256 is kept; idle and absolute expiry); not ledger state
CREATE TABLE IF NOT EXISTS "web_session" ("id" SERIAL NOT NULL PRIMARY KEY, "token_hash" TEXT NOT NULL, "user_id" INTEGER NOT NULL, "csrf_token" TEXT NOT NULL, "created_at" TEXT NOT NULL, "last_seen_at" TEXT NOT NULL, "expires_at" TEXT NOT NULL, "address" TEXT NOT NULL, "ended_at" TEXT, FOREIGN KEY ("user_id") REFERENCES "app_user" ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "web_session_token_hash" ON "web_session" ("token_hash");
CREATE INDEX IF NOT EXISTS "web_session_user_id" ON "web_session" ("user_id");
-- login attempts, counted in the database so that every service process applies one rate limit; not ledger state
CREATE TABLE IF NOT EXISTS "login_attempt" ("id" SERIAL NOT NULL PRIMARY KEY, "username" TEXT NOT NULL, "address" TEXT NOT NULL, "at" TEXT NOT NULL, "ok" BOOLEAN NOT NULL);
CREATE INDEX IF NOT EXISTS "login_attempt_username_at" ON "login_attempt" ("username", "at");
CREATE INDEX IF NOT EXISTS "login_attempt_address_at" ON "login_attempt" ("address", "at");
-- one token per scanner device of a station, each revoked on its own (a lost scanner)
CREATE TABLE IF NOT EXISTS "device_token" ("id" SERIAL NOT NULL PRIMARY KEY, "station_id" INTEGER NOT NULL, "device" TEXT NOT NULL, "token_hash" TEXT NOT NULL, "token_hint" TEXT NOT NULL, "created_at" TEXT NOT NULL, "revoked_at" TEXT, FOREIGN KEY ("station_id") REFERENCES "station" ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "device_token_token_hash" ON "device_token" ("token_hash");
CREATE INDEX IF NOT EXISTS "device_token_station_id" ON "device_token" ("station_id");
CREATE UNIQUE INDEX IF NOT EXISTS "device_token_live_device" ON "device_token" ("station_id", "device") WHERE ("revoked_at" IS NULL);
-- the token each station had keeps working, as the token of its device "default"; the station's own columns go unused
INSERT INTO "device_token" ("station_id", "device", "token_hash", "token_hint", "created_at", "revoked_at") SELECT "id", 'default', "token_hash", COALESCE("token_hint", ''), COALESCE("token_created_at", "created_at"), NULL FROM "station" WHERE "token_hash" IS NOT NULL;
UPDATE "station" SET "token_hash" = NULL, "token_hint" = NULL, "token_created_at" = NULL WHERE "token_hash" IS NOT NULL;
