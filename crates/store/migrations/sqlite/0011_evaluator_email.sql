-- An evaluator's address (optional): the call writes to it when applications are assigned.
ALTER TABLE grant_evaluators ADD COLUMN email TEXT;
