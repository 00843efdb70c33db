-- A call handed to a human (scenario action `transfer`): the endpoint rung and how it went
-- ('connected', or why not: adviser busy or unreachable, the callee hung up first...).
ALTER TABLE calls ADD COLUMN transfer_endpoint text;
ALTER TABLE calls ADD COLUMN transfer_result text;
