"""Every write of the newsletters app. Modules: audience (who an issue goes to), subscriptions (sign-up, consent,
unsubscribe, suppression, import/export, bounces), issues (compose, approve, schedule, test send) and dispatch (the
outbox and its workers)."""
