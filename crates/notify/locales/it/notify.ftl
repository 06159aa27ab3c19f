# What skillhub's e-mails say, in Italian. Every message here has its twin in ../en/notify.ftl
# (a test checks it). Arguments arrive formatted: dates and times in the session's zone.

## Shared pieces

greeting = Ciao { $name },
greeting-anonymous = Ciao,
label-program = Programma
label-session = Incontro
label-when = Quando
label-where = Dove
online = online (il link per collegarti te lo mandano gli organizzatori prima dell'incontro)
place-unknown = luogo da confermare
manage-intro = Il tuo link personale, per vedere l'iscrizione, aggiungerla al calendario, annullarla o scaricare i tuoi dati:
manage-personal = Il link è personale: non inoltrarlo, perché chi lo ha può annullare la tua iscrizione.
check-in = Il tuo codice per l'ingresso
    .how = All'ingresso mostra questo codice dal telefono (o stampato): chi ti accoglie lo inquadra e segna la tua presenza. Il codice non apre la tua iscrizione a nessuno.
    .plain = All'ingresso mostra il tuo codice QR: lo trovi nella versione grafica di questo messaggio e nella pagina della tua iscrizione (link qui sotto). Chi ti accoglie lo inquadra e segna la tua presenza.
    .alt = Codice QR per l'ingresso all'incontro
footer-registration = Ricevi questo messaggio perché il tuo indirizzo e-mail è stato usato per iscriversi a un incontro di { $program }.
footer-request = Ricevi questo messaggio perché è stato chiesto per il tuo indirizzo e-mail. Se non l'hai chiesto tu, puoi ignorarlo.
footer-applicant = Ricevi questo messaggio perché il tuo indirizzo e-mail è il contatto della domanda n. { $application } al bando { $call }.
footer-evaluator = Ricevi questo messaggio perché fai parte di chi valuta le domande al bando { $call }.
in-days = tra { $count ->
    [one] un giorno
   *[other] { $count } giorni
}
in-hours = tra { $count ->
    [one] un'ora
   *[other] { $count } ore
}
in-minutes = tra { $count ->
    [one] un minuto
   *[other] { $count } minuti
}

## One message per kind: the value says what happened, .subject is the subject line.

confirmed = la tua iscrizione è confermata: hai un posto. Ti aspettiamo!
    .subject = Iscrizione confermata: { $title }, { $day }
waitlisted = i posti sono esauriti, quindi sei in lista d'attesa, in posizione { $position }. Se si libera un posto passa alla prima persona in lista: se tocca a te, ti scriviamo.
    .subject = Lista d'attesa (posizione { $position }): { $title }, { $day }
in-draw = per questo incontro i posti si assegnano con un sorteggio, fatto dopo la chiusura delle iscrizioni ({ $closes }): sei tra chi partecipa al sorteggio. Ti scriviamo il risultato.
    .subject = Iscrizione al sorteggio: { $title }, { $day }
promoted = buone notizie: si è liberato un posto e ora è tuo. La tua iscrizione è passata dalla lista d'attesa ai posti confermati.
    .subject = Ora hai un posto: { $title }, { $day }
cancelled-by-person = hai annullato la tua iscrizione. Il posto passa alla prima persona in lista d'attesa. Grazie di averci avvisato.
    .subject = Iscrizione annullata: { $title }, { $day }
cancelled-by-staff = gli organizzatori hanno annullato la tua iscrizione. Se pensi che sia un errore, scrivi agli organizzatori del programma.
    .subject = Iscrizione annullata: { $title }, { $day }
    .reason = Motivo: { $reason }
session-changed = l'incontro è stato spostato. La tua iscrizione resta valida: qui sotto trovi la data, l'ora e il luogo aggiornati.
    .subject = Incontro spostato: { $title }, ora { $day }
    .before = Prima era:
session-cancelled = ci dispiace: gli organizzatori hanno annullato questo incontro, che non si terrà.
    .subject = Incontro annullato: { $title }, { $day }
    .other = Trovi gli altri incontri in programma su { $site }
    .reason = Il motivo: { $reason }
drawn-confirmed = il sorteggio dei posti è stato fatto: hai un posto, la tua iscrizione è confermata.
    .subject = Sorteggio: hai un posto per { $title }, { $day }
drawn-waitlisted = il sorteggio dei posti è stato fatto: questa volta non hai ottenuto un posto. Sei in lista d'attesa, in posizione { $position }: se si libera un posto passa alla prima persona in lista.
    .subject = Sorteggio: lista d'attesa (posizione { $position }) per { $title }, { $day }
reminder = ti ricordiamo che l'incontro comincia { $in }.
    .subject = Promemoria: { $title }, { $day }
    .cancel = Se non puoi più venire, annulla l'iscrizione dal link qui sotto: il posto passerà a chi è in lista d'attesa.
confirm-address = per tenere il posto, conferma il tuo indirizzo e-mail entro { $until }. Se non lo confermi, il posto passa alla persona successiva.
    .subject = Conferma il tuo indirizzo: { $title }, { $day }
    .link = Conferma l'indirizzo da questo link:
    .ignore = Se non hai chiesto tu questa iscrizione, ignora questo messaggio: senza conferma non viene registrato nulla.
hold-expired = il tuo indirizzo e-mail non è stato confermato in tempo, quindi il posto che tenevamo per te è stato liberato ed è passato alla persona successiva. La tua iscrizione non è più valida.
    .subject = Posto liberato: { $title }, { $day }
    .again = Se vuoi ancora partecipare, puoi iscriverti di nuovo su { $site } finché ci sono posti, e confermare l'indirizzo dal messaggio che riceverai.
lost-links = ecco i link di gestione delle iscrizioni attive legate al tuo indirizzo e-mail, uno per incontro.
    .subject = I link delle tue iscrizioni
    .none = qualcuno (forse tu) ha chiesto i link di gestione delle iscrizioni legate a questo indirizzo e-mail. Non abbiamo trovato iscrizioni attive per questo indirizzo.
data-link = ecco il link per vedere, scaricare o cancellare i dati che conserviamo su di te. Funziona fino a { $until } (ora italiana), e non più dopo una cancellazione.
    .subject = Il link ai tuoi dati
    .personal = Il link è personale: non inoltrarlo.
application-received = abbiamo ricevuto la domanda n. { $application } al bando { $call }. Ti scriveremo a ogni passaggio della valutazione.
    .subject = Domanda ricevuta: { $call }, n. { $application }
application-stage = la domanda n. { $application } al bando { $call } è passata alla fase: { $stage }.
    .subject = Domanda n. { $application } ({ $call }): { $stage }
evaluator-assigned = ti è stata assegnata da valutare la domanda n. { $application } al bando { $call }. Se hai un conflitto di interessi con chi la presenta, dichiaralo prima di valutarla.
    .subject = Da valutare: domanda n. { $application }, { $call }
report-due = la relazione del progetto finanziato con la domanda n. { $application } al bando { $call } va consegnata entro { $due }.
    .subject = Relazione da consegnare entro { $due }: { $call }, n. { $application }
report-overdue = la relazione del progetto finanziato con la domanda n. { $application } al bando { $call } andava consegnata entro { $due } e non ci è ancora arrivata. Consegnala al più presto.
    .subject = Relazione in ritardo: { $call }, n. { $application }
