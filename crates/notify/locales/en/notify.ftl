# What skillhub's e-mails say, in English. Every message here has its twin in ../it/notify.ftl
# (a test checks it). Arguments arrive formatted: dates and times in the session's zone.

## Shared pieces

greeting = Hello { $name },
greeting-anonymous = Hello,
label-program = Programme
label-session = Session
label-when = When
label-where = Where
online = online (the organisers send you the link to join before the session)
place-unknown = place to be confirmed
manage-intro = Your personal link, to see the registration, add it to your calendar, cancel it or download your data:
manage-personal = The link is personal: do not forward it, since whoever has it can cancel your registration.
check-in = Your check-in code
    .how = At the door, show this code on your phone (or printed): the person welcoming you scans it and records your presence. The code opens your registration to nobody.
    .plain = At the door, show your QR code: you find it in the formatted version of this message and on your registration's page (link below). The person welcoming you scans it and records your presence.
    .alt = QR code to check in at the session
footer-registration = You receive this message because your e-mail address was used to register for a session of { $program }.
footer-request = You receive this message because it was requested for your e-mail address. If you did not ask for it, you can ignore it.
footer-applicant = You receive this message because your e-mail address is the contact of application no. { $application } to the call { $call }.
footer-evaluator = You receive this message because you are one of the evaluators of the call { $call }.
in-days = in { $count ->
    [one] one day
   *[other] { $count } days
}
in-hours = in { $count ->
    [one] one hour
   *[other] { $count } hours
}
in-minutes = in { $count ->
    [one] one minute
   *[other] { $count } minutes
}

## One message per kind: the value says what happened, .subject is the subject line.

confirmed = Your registration is confirmed: you have a seat. See you there!
    .subject = Confirmed: { $title }, { $day }
waitlisted = The seats are taken, so you are on the waiting list, in position { $position }. When a seat frees up it goes to the first person on the list: if it is you, we will write.
    .subject = Waiting list (position { $position }): { $title }, { $day }
in-draw = The seats of this session are given by a draw, made after registration closes ({ $closes }): you are in the draw. We will write to you with the result.
    .subject = In the draw: { $title }, { $day }
promoted = Good news: a seat came free and it is now yours. Your registration moved from the waiting list to the confirmed seats.
    .subject = You now have a seat: { $title }, { $day }
cancelled-by-person = You cancelled your registration. The seat goes to the first person on the waiting list. Thank you for letting us know.
    .subject = Registration cancelled: { $title }, { $day }
cancelled-by-staff = The organisers cancelled your registration. If you think this is a mistake, please write to the programme's organisers.
    .subject = Registration cancelled: { $title }, { $day }
    .reason = Reason: { $reason }
session-changed = The session has moved. Your registration still holds: below are the new date, time and place.
    .subject = Session moved: { $title }, now { $day }
    .before = It was:
session-cancelled = We are sorry: the organisers cancelled this session, and it will not take place.
    .subject = Session cancelled: { $title }, { $day }
    .other = You can find the other upcoming sessions at { $site }
    .reason = The reason: { $reason }
drawn-confirmed = The draw for the seats has been made: you have a seat, your registration is confirmed.
    .subject = Draw: you have a seat for { $title }, { $day }
drawn-waitlisted = The draw for the seats has been made: this time you did not get a seat. You are on the waiting list, in position { $position }: when a seat frees up it goes to the first person on the list.
    .subject = Draw: waiting list (position { $position }) for { $title }, { $day }
reminder = A reminder: the session starts { $in }.
    .subject = Reminder: { $title }, { $day }
    .cancel = If you can no longer come, please cancel from the link below: your seat will go to someone on the waiting list.
confirm-address = To keep your seat, confirm your e-mail address by { $until }. If you do not, the seat goes to the next person.
    .subject = Confirm your address: { $title }, { $day }
    .link = Confirm your address with this link:
    .ignore = If you did not ask for this registration, ignore this message: without a confirmation nothing is kept.
hold-expired = Your e-mail address was not confirmed in time, so the seat we were holding for you has been released and went to the next person. Your registration no longer stands.
    .subject = Seat released: { $title }, { $day }
    .again = If you still want to take part, you can register again at { $site } while seats remain, and confirm your address from the message you will receive.
lost-links = Here are the manage links of the live registrations of your e-mail address, one per session.
    .subject = The links to your registrations
    .none = Someone (perhaps you) asked for the manage links of the registrations of this e-mail address. We found no live registrations for this address.
data-link = Here is the link to see, download or erase the data we hold about you. It works until { $until } (Italian time), and no longer once you erase them.
    .subject = The link to your data
    .personal = The link is personal: do not forward it.
application-received = We received application no. { $application } to the call { $call }. We will write at every step of the evaluation.
    .subject = Application received: { $call }, no. { $application }
application-stage = Application no. { $application } to the call { $call } has reached the stage: { $stage }.
    .subject = Application no. { $application } ({ $call }): { $stage }
evaluator-assigned = You have been given application no. { $application } to the call { $call } to evaluate. If you have a conflict of interest with the applicant, declare it before evaluating.
    .subject = To evaluate: application no. { $application }, { $call }
report-due = The report of the project funded by application no. { $application } to the call { $call } is due by { $due }.
    .subject = Report due by { $due }: { $call }, no. { $application }
report-overdue = The report of the project funded by application no. { $application } to the call { $call } was due by { $due } and has not reached us yet. Please send it as soon as possible.
    .subject = Report overdue: { $call }, no. { $application }
