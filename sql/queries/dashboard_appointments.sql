-- Dashboard reads about appointments (the writes go through campaigns/appointments.py).

-- name: for_call
-- The appointment a call booked (confirmed or cancelled; the latest one), with its adviser.
SELECT p.id, p.status, p.starts_at, p.ends_at, p.note, a.name AS adviser, a.title AS adviser_title,
       a.timezone AS adviser_timezone
FROM appointments p
JOIN advisers a ON a.id = p.adviser_id
WHERE p.call_id = %(call_id)s AND p.status IN ('confirmed', 'cancelled')
ORDER BY p.status = 'confirmed' DESC, p.updated_at DESC
LIMIT 1;

-- name: confirmed_for_calls
-- Confirmed appointments of some calls (the badge in the review queue).
SELECT p.call_id, p.starts_at, a.timezone AS adviser_timezone
FROM appointments p
JOIN advisers a ON a.id = p.adviser_id
WHERE p.call_id = ANY (%(call_ids)s) AND p.status = 'confirmed';

-- name: leads_of_calls
SELECT call_id, id FROM leads WHERE call_id = ANY (%(call_ids)s);
