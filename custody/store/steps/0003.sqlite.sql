-- Schema version 3: where an item may go and who may hold it (issue 14). Frozen: never edit; a change is a new step.

-- P9 departments as a table (a person's dept and a distribution scope name one)
CREATE TABLE IF NOT EXISTS "department" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, "created_at" TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "department_name" ON "department" ("name");
-- P13/P14/P28 a loan's terms, kept while the item is out: purpose, due time, second holder, unit, recipient, stated use
ALTER TABLE "item" ADD COLUMN "loan_purpose" TEXT;
ALTER TABLE "item" ADD COLUMN "loan_due" TEXT;
ALTER TABLE "item" ADD COLUMN "second_holder_id" INTEGER REFERENCES "person" ("id");
ALTER TABLE "item" ADD COLUMN "loan_unit" TEXT;
ALTER TABLE "item" ADD COLUMN "loan_recipient" TEXT;
ALTER TABLE "item" ADD COLUMN "loan_use" TEXT;
CREATE INDEX IF NOT EXISTS "item_second_holder_id" ON "item" ("second_holder_id");
