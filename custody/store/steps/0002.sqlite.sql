-- Schema version 2: an item's whole life (issue 13). Frozen: never edit; a change is a new step.

-- P16 no copying; P17 due back to the issuer; P16 the item a copy was made from (its code)
ALTER TABLE "item" ADD COLUMN "no_copy" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "item" ADD COLUMN "due_back" TEXT;
ALTER TABLE "item" ADD COLUMN "copy_of" TEXT;
-- P19 the status before a loss was reported (set while the loss is unresolved)
ALTER TABLE "item" ADD COLUMN "lost_from" TEXT;
-- P4 the day of the last review outcome
ALTER TABLE "item" ADD COLUMN "reviewed_on" TEXT;
-- the one approval model: a request made in advance, approved or rejected by an office leader
CREATE TABLE IF NOT EXISTS "approval_request" ("id" INTEGER NOT NULL PRIMARY KEY, "action" TEXT NOT NULL, "person_id" INTEGER NOT NULL, "requested_by_id" INTEGER NOT NULL, "item_id" INTEGER, "doc_no" TEXT NOT NULL, "issuer" TEXT NOT NULL, "valid_from" TEXT NOT NULL, "valid_until" TEXT NOT NULL, "uses" INTEGER NOT NULL, "used" INTEGER NOT NULL, "purpose" TEXT NOT NULL, "reference" TEXT NOT NULL, "status" TEXT NOT NULL, "decided_by_id" INTEGER, "decided_at" TEXT, "reason" TEXT NOT NULL, "created_at" TEXT NOT NULL, "event_seq" INTEGER NOT NULL, "decided_seq" INTEGER, FOREIGN KEY ("person_id") REFERENCES "person" ("id"), FOREIGN KEY ("requested_by_id") REFERENCES "person" ("id"), FOREIGN KEY ("item_id") REFERENCES "item" ("id"), FOREIGN KEY ("decided_by_id") REFERENCES "person" ("id"));
CREATE INDEX IF NOT EXISTS "approval_request_person_id" ON "approval_request" ("person_id");
CREATE INDEX IF NOT EXISTS "approval_request_requested_by_id" ON "approval_request" ("requested_by_id");
CREATE INDEX IF NOT EXISTS "approval_request_item_id" ON "approval_request" ("item_id");
CREATE INDEX IF NOT EXISTS "approval_request_decided_by_id" ON "approval_request" ("decided_by_id");
CREATE INDEX IF NOT EXISTS "approval_request_status" ON "approval_request" ("status");
