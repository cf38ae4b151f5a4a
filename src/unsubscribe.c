/* unsubscribe.c - requests to leave the list written in the reader's own words (unsubscribe.h).
 *
 * The person's text is read one sentence at a time (text.h: nl_text_sentence), each sentence as
 * folded words (nl_text_words) cut into clauses at punctuation (commas, colons, dashes, brackets,
 * "|", "、"; not at full stops inside a sentence, quotation marks or a wrapped line) and at
 * connectives ("but", "so", "and", "mais", "aber", "pero", "но", "ama", "ので", …).  A sentence
 * asks to be unsubscribed when a phrase of the request tables matches and none of the rules that
 * make it a mention applies.  The rules are the same for every language; only the words differ.
 *
 *  1. What is asked.  Each request table says how much context its phrases need (the frame):
 *     - REQUEST phrases ask by themselves: an imperative with the speaker as its object ("take me
 *       off", "désabonnez-moi", "melden Sie mich ab", "darme de baja", "отпишите меня"), a demand
 *       to stop ("stop sending", "ne m'envoyez plus", "больше не присылайте", "gondermeyin"), the
 *       speaker acting now ("I'm unsubscribing", "je me désabonne", "отписываюсь"), or saying
 *       that they already have ("I've already unsubscribed", "ya me di de baja": their opt-out
 *       stands);
 *     - ACTION phrases name the act ("unsubscribe", "opt out", "abmelden", "uitschrijven",
 *       "cancelar la suscripción", "配信停止") and count when the clause frames them as a
 *       request: a please word before or after them ("please", "bitte", "por favor", "lütfen",
 *       "ください"), the speaker's wish ("I'd like to", "je voudrais", "ich möchte", "quiero",
 *       "хочу", "istiyorum", "したい"), a polite question ("could you", "pouvez-vous", "können
 *       Sie", "czy możecie", "misiniz", "いただけますか"), or a bare command: the clause starts
 *       with them, after greetings only ("Unsubscribe.", "Abmelden, danke.");
 *     - SELF phrases (the speaker acts: "stop receiving", "darse de baja", "отписаться", "no
 *       more emails") take the same frames but the polite question ("vous pouvez vous
 *       désabonner" is a footer);
 *     - BARE phrases (nouns and verbs too common to carry a request: "désabonner", "plus de
 *       mails", "remove", "stop") only a please word or a bare command;
 *     - WANTED phrases ("nicht mehr erhalten", "ne plus recevoir", "la baja") only a please word
 *       or the wish ("I no longer receive the PDF" is a remark).
 *  2. Negation in scope: a negation earlier in the clause ("don't unsubscribe me", "je ne veux
 *     pas me désabonner", "no quiero darme de baja"), or after the phrase where languages put it
 *     ("ne me désabonnez pas", "配信停止しないで", "çıkmak istemiyorum"), makes it no request.  A
 *     phrase that carries its own negation ("don't send me emails", "ne m'envoyez plus") is only
 *     blocked by one before it.
 *  3. Conditions: a conditional anywhere in the sentence ("if this keeps up I will unsubscribe",
 *     "si", "wenn", "если", "eğer", "-rse", "なら") makes it no request; polite formulas ("if
 *     possible", "si possible", "wenn möglich", "если можно", "mümkünse", "できれば") are not
 *     conditions but please words.
 *  4. Not the present wish: a hypothetical, a past wish, a report or a question word earlier in
 *     the clause ("almost", "was going to", "thought about", "wanted to", "told", "how", "why",
 *     "failli", "fast", "casi", "чуть не", "neredeyse"), and in the verb-final languages the same
 *     after the phrase ("…と思った", "方法", "düşündüm").  Past and future forms never match, as the
 *     tables hold imperatives, infinitives and first-person presents ("I almost unsubscribed",
 *     "my friend unsubscribed", "je vais me désabonner").
 *  5. A question asks only politely ("Can you remove me?"; not "How do I unsubscribe?", "Why did
 *     you remove me?").
 *  6. Someone else: an action followed by a third person ("unsubscribe my colleague", "him"; "my
 *     address" is the speaker's own).
 *  7. Instructions and mentions: a clause with a footer's words ("click", "here", "link", "reply
 *     with", "at any time", "cliquez", "hier", "aquí", "ссылке", "こちら"), a sentence with a
 *     clause of purpose ("To unsubscribe, …", "Pour vous désabonner, …", "Чтобы отписаться, …"),
 *     or the phrase inside quotation marks ('reply with "unsubscribe"') is text about
 *     unsubscribing.  A bare command is weaker still: it does not count in a sentence with a
 *     footer's words or any clause of purpose, in a clause joined to the one before by "or" /
 *     "and" ("To subscribe or unsubscribe, visit …"), or next to a sentence with a footer's words
 *     ("Unsubscribe" above "This email was sent to …" is the footer's link).
 *
 * The tables are data, one line group per language (en fr de es pt it nl pl ru uk tr ja), the
 * phrases of a language separated by " | ", written lower case without accents for the Latin
 * scripts (the Turkish dotless "ı" and the Polish "ł" are letters of their own and stay), Cyrillic
 * and Japanese as written; each phrase is folded once, on first use, with nl_text_words, so it
 * matches whatever the case, accents and typography of the reply.  In a phrase, words are
 * separated by spaces; "word*" matches a word starting with "word", "*word" one ending with it;
 * "@name" any phrase of a word class (@mail, @list, …); "~" up to three other words, never a
 * negation; "$" the end of the clause (please words may follow).  In Japanese each character is a
 * word, so a phrase matches as a substring.  Filler words ("please", "really", "bitte", …) may
 * stand between the words of a phrase.
 *
 * Bounds: the first UNSUB_SCAN_MAX bytes of the text, the first UNSUB_WORDS_MAX words of each
 * sentence; the work per word is bounded by the tables, so time is linear in the input.
 */
#include "unsubscribe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "util.h"

#define UNSUB_SCAN_MAX (64 * 1024)
#define UNSUB_WORDS_MAX 160
#define UNSUB_GAP_MAX 3     /* words a "~" may stand for */
#define UNSUB_FILLERS_MAX 2 /* filler words between two words of a phrase */
#define UNSUB_AFTER_MAX 10  /* words after a phrase where a please word or a negation counts */

/* ---- the tables ---- */

enum unsub_frame {
	F_INITIAL = 1, /* the clause starts with the phrase (after greetings and please words) */
	F_PLEASE = 2,  /* a please word in the clause */
	F_WANT = 4,    /* the speaker says they want it */
	F_POLITE = 8,  /* a polite question asks for it */
};
#define FR_REQUEST 0
#define FR_ACTION (F_INITIAL | F_PLEASE | F_WANT | F_POLITE)
#define FR_SELF (F_INITIAL | F_PLEASE | F_WANT)
#define FR_BARE (F_INITIAL | F_PLEASE)
#define FR_WANTED (F_WANT | F_PLEASE)

/* One language's phrases of a table, separated by " | ". */
struct unsub_src {
	const char *lang; /* for the reader; matching does not use it */
	const char *text;
};

/* Phrases that ask by themselves. */
static const struct unsub_src unsub_requests[] = {
    {"en", "unsubscribe me | unsub me | unsubscribe us | unsubcribe me | unsuscribe me | unsubsribe me | "
           "unsubscibe me | unscribe me | im unsubscribing | take me off | take us off | "
           "take my @addr off | take my @addr out | remove me | remove us | remove my @addr | delete me | "
           "delete my @addr | drop me from ~ @list | opt me out | sign me off ~ @list | "
           "count me out of ~ @mail | count me out of ~ @list | cross me off | strike me off | "
           "scratch me off | get me off ~ @list | leave me off | cancel my subscription | "
           "end my subscription | stop my subscription | terminate my subscription | no more of @these | "
           "stop sending $ | stop sending ~ @mail | stop sending me @these | stop sending @these | "
           "stop sending me $ | stop emailing | stop mailing | stop spamming | stop contacting me $ | "
           "stop messaging me | stop writing to me | stop @mail | stop the @mail | stop these @mail | "
           "stop your @mail | stop this @mail | don't send ~ @mail | do not send ~ @mail | "
           "dont send ~ @mail | don't send me @these | do not send me @these | dont send me @these | "
           "don't email me again | do not email me again | dont email me again | don't email me anymore | "
           "do not email me anymore | dont email me anymore | don't email me any more | "
           "never email me again | never send me ~ @mail | don't want ~ @mail | don't want @these | "
           "do not want ~ @mail | dont want ~ @mail | don't want to receive | do not want to receive | "
           "dont want to receive | don't wish to receive | do not wish to receive | "
           "don't want to get ~ @mail | do not want to get ~ @mail | no longer want to receive | "
           "no longer wish to receive | no longer want ~ @mail | no longer want to be on | "
           "no longer wish to be on | no longer want to be subscribed | no longer wish to be subscribed | "
           "rather not receive | rather not get ~ @mail | prefer not to receive | i'm unsubscribing | "
           "i am unsubscribing | i hereby unsubscribe | i'm opting out | i am opting out | "
           "i hereby opt out | i want off ~ @list | i want out of ~ @list | i already unsubscribed | "
           "i've already unsubscribed | i have already unsubscribed | i unsubscribed already | "
           "i've unsubscribed twice | i unsubscribed twice | i already asked to be removed | "
           "i've already asked to be removed | i have already asked to be removed | i already opted out | "
           "i've already opted out | removing me | taking me off | unsubscribing me"},
    {"fr", "desabonnez-moi | desabonnez moi | desinscrivez-moi | desinscrivez moi | retirez-moi | "
           "retirez moi | supprimez-moi | supprimez moi | enlevez-moi | enlevez moi | rayez-moi | "
           "radiez-moi | desabonne-moi | desinscris-moi | retire-moi | enleve-moi | supprime-moi | "
           "je me desabonne | je me desinscris | ne m'envoyez plus | ne m'envoyez ~ plus | "
           "n'envoyez plus | ne m'ecrivez plus | arretez de m'envoyer | arretez d'envoyer | "
           "arretez de m'ecrire | arretez ~ @mail | stop aux @mail | je ne veux plus recevoir | "
           "je ne souhaite plus recevoir | je ne desire plus recevoir | ne veux plus recevoir | "
           "ne souhaite plus recevoir | je ne veux plus ~ @mail | je ne veux plus etre | "
           "je ne souhaite plus etre | annulez mon abonnement | resiliez mon abonnement | "
           "supprimez mon @addr | retirez mon @addr | effacez mon @addr | je me suis deja desabonne | "
           "je me suis deja desabonnee | je me suis deja desinscrit | je me suis deja desinscrite"},
    {"de", "melden sie mich ab | melden sie mich ~ ab | melde mich ab | melde mich ~ ab | "
           "meldet mich ab | meldet mich ~ ab | tragen sie mich aus | tragen sie mich ~ aus | "
           "trag mich aus | trag mich ~ aus | tragt mich aus | tragt mich ~ aus | "
           "nehmen sie mich ~ @list | nehmt mich ~ @list | nimm mich ~ @list | streichen sie mich | "
           "streicht mich | entfernen sie mich | entfernt mich | entferne mich | loschen sie mich | "
           "losche mich | loscht mich | ich melde mich ab | ich melde mich ~ ab | melde ich mich ab | "
           "melde ich mich ~ ab | ich trage mich aus | ich bestelle ~ ab | schicken sie mir keine | "
           "senden sie mir keine | schickt mir keine | schick mir keine | horen sie auf mir | "
           "hort auf mir | hor auf mir | ich mochte keine ~ @mail | ich will keine ~ @mail | "
           "kundigen sie ~ abo* | kundigen sie ~ newsletter* | ich habe mich bereits ~ abgemeldet | "
           "ich habe mich schon ~ abgemeldet | ich habe mich bereits ~ ausgetragen | "
           "ich habe mich schon ~ ausgetragen | ich kundige ~ abo* | ich kundige ~ newsletter*"},
    {"es", "darme de baja | denme de baja | deme de baja | dame de baja | dadme de baja | "
           "me den de baja | me de de baja | me des de baja | me doy de baja | desuscribirme | "
           "desuscribanme | desuscribeme | desinscribirme | desinscribanme | borrenme | borreme | "
           "borrame | eliminenme | elimineme | eliminame | quitenme de ~ @list | quiteme de ~ @list | "
           "quitame de ~ @list | saquenme de ~ @list | saqueme de ~ @list | sacame de ~ @list | "
           "retirenme | retireme | no me envien mas | no me manden mas | no me mande mas | "
           "no me envie mas | no me envies mas | no me manden ~ @mail | no me envien ~ @mail | "
           "dejen de enviarme | deje de enviarme | dejen de mandarme | deja de enviarme | "
           "dejen de escribirme | no quiero recibir mas | ya no quiero recibir | no deseo recibir mas | "
           "ya no deseo recibir | no quiero recibir ~ @mail | no deseo recibir ~ @mail | "
           "no quiero mas @mail | cancelen mi suscripcion | cancele mi suscripcion | "
           "anulen mi suscripcion | borren mi @addr | eliminen mi @addr | quiten mi @addr | "
           "ya me di de baja | ya me he dado de baja | ya me desuscribi"},
    {"pt", "me descadastre | me descadastrem | descadastre-me | descadastrem-me | me tirem ~ @list | "
           "me tire ~ @list | tirem-me ~ @list | me removam | removam-me | remova-me | me remova | "
           "me exclua | me excluam | exclua-me | excluam-me | cancelem ~ inscricao | "
           "cancelem ~ assinatura | cancele ~ inscricao | cancele ~ assinatura | nao me enviem mais | "
           "nao me mandem mais | nao me envie mais | nao me mande mais | parem de me enviar | "
           "parem de enviar | pare de me enviar | pare de enviar | parem de me mandar | "
           "nao quero mais receber | nao quero receber mais | nao desejo mais receber | "
           "nao quero mais ~ @mail | nao quero receber ~ @mail | chega de @mail | me descadastro | "
           "ja me descadastrei | ja cancelei ~ inscricao | ja cancelei ~ assinatura"},
    {"it", "cancellatemi | cancellami | mi cancelli | mi cancellate | disiscrivetemi | disiscrivimi | "
           "mi disiscriva | toglietemi ~ @list | toglimi ~ @list | mi tolga ~ @list | rimuovetemi | "
           "rimuovimi | mi rimuova | eliminatemi | eliminami | mi elimini | levatemi | "
           "non inviatemi piu | non mandatemi piu | non mi inviate piu | non mi mandate piu | "
           "non mi scrivete piu | smettete di inviarmi | smettete di mandarmi | smettete di scrivermi | "
           "smettete di inviare | smettetela di | non voglio piu ricevere | non voglio ricevere piu | "
           "non desidero piu ricevere | non voglio piu ~ @mail | basta @mail | basta con le @mail | "
           "mi disiscrivo | mi cancello | annullate ~ iscrizione | annullate ~ abbonamento | "
           "cancellate ~ iscrizione | cancellate il mio @addr | disdite ~ abbonamento | "
           "mi sono gia disiscritto | mi sono gia disiscritta | mi sono gia cancellato | "
           "mi sono gia cancellata"},
    {"nl", "schrijf me uit | schrijf mij uit | schrijf me ~ uit | schrijf mij ~ uit | schrijf ons uit | "
           "haal me ~ @list | haal mij ~ @list | verwijder me | verwijder mij | verwijder mijn @addr | "
           "meld me af | meld mij af | meld me ~ af | meld mij ~ af | ik meld me af | ik meld mij af | "
           "ik schrijf me uit | stuur me geen | stuur mij geen | stuur me ~ geen | stuur geen | "
           "ik wil geen ~ @mail | stop met ~ sturen | stop met mailen | stop met e-mailen | "
           "stop met ~ @mail | stop @mail | stop de @mail | zeg ~ abonnement op | beeindig ~ abonnement | "
           "ik heb me al afgemeld | ik heb mij al afgemeld | ik heb me al uitgeschreven | "
           "ik heb mij al uitgeschreven"},
    {"pl", "wypisz mnie | wypiszcie mnie | prosze mnie wypisac | usun mnie | usuncie mnie | "
           "wykresl mnie | wykreslcie mnie | wypisuje sie | rezygnuje z ~ subskrypcji | "
           "rezygnuje z ~ newslettera | rezygnuje z ~ @list | rezygnuje z ~ @mail | nie wysyłajcie mi | "
           "nie wysyłaj mi | nie przysyłajcie mi | nie przysyłaj mi | nie wysyłajcie ~ @mail | "
           "nie wysyłac ~ @mail | nie wysyłac mi | przestancie wysyłac | przestan wysyłac | "
           "przestancie mi wysyłac | przestancie do mnie pisac | nie chce ~ otrzymywac | "
           "nie chce juz ~ @mail | nie chce wiecej ~ @mail | anulujcie ~ subskrypcje | "
           "anuluj ~ subskrypcje | juz sie wypisałem | juz sie wypisałam | wypisałem sie juz | "
           "wypisałam sie juz"},
    {"ru", "отпишите меня | отпишите | отпиши меня | удалите меня | удали меня | исключите меня | "
           "уберите меня ~ @list | вычеркните меня | отписываюсь | больше не присылайте | не присылайте | "
           "не отправляйте ~ @mail | больше не отправляйте | не шлите ~ @mail | больше не шлите | "
           "больше не пишите | прекратите присылать | прекратите рассылку | прекратите отправлять | "
           "перестаньте присылать | перестаньте мне писать | перестаньте слать | перестаньте отправлять | "
           "хватит присылать | хватит слать | не хочу получать | не хочу больше получать | "
           "больше не хочу получать | не желаю получать | не хочу ~ @mail | отмените ~ подписк* | "
           "удалите мой @addr | удалите ~ адрес* | я уже отписался | я уже отписалась"},
    {"uk", "відпишіть мене | відпишіть | відпиши мене | видаліть мене | видали мене | виключіть мене | "
           "приберіть мене ~ @list | викресліть мене | відписуюсь | відписуюся | більше не надсилайте | "
           "не надсилайте | не присилайте | не відправляйте ~ @mail | більше не відправляйте | "
           "більше не пишіть | припиніть надсилати | припиніть розсилку | перестаньте надсилати | "
           "досить надсилати | не хочу отримувати | не хочу більше отримувати | "
           "більше не хочу отримувати | не хочу ~ @mail | скасуйте ~ підписк* | видаліть мою @addr | "
           "видаліть ~ адрес* | я вже відписався | я вже відписалася"},
    {"tr", "listeden cıkarın | listeden cıkarınız | beni ~ cıkarın | listeden cıkar | "
           "abonelikten cıkarın | aboneligimi iptal edin | aboneligimi iptal ediniz | "
           "aboneligimi sonlandırın | beni silin | listeden silin | beni ~ silin | @mail gondermeyin | "
           "@mail atmayın | bana ~ gondermeyin | gondermeyin | gondermeyiniz | gondermeyi bırakın | "
           "gondermeyi kesin | atmayı bırakın | abonelikten cıkıyorum | aboneligimi iptal ediyorum | "
           "almak istemiyorum | @mail istemiyorum | cıkarır mısınız | cıkarabilir misiniz | "
           "silebilir misiniz | iptal eder misiniz | iptal edebilir misiniz | zaten abonelikten cıktım | "
           "abonelikten zaten cıktım"},
    {"ja", "送らないで | 送信しないで | 送ってこないで | メールは不要 | メール不要 | 配信は不要 | "
           "配信不要 | 既に配信停止 | すでに配信停止 | 配信停止したのに | 解除したのに"},
};

/* Phrases that name the act; the clause must frame them as a request. */
static const struct unsub_src unsub_actions[] = {
    {"en", "unsubscribe | unsub | unsubcribe | unsuscribe | unsubsribe | unsubscibe | opt out | opt-out | "
           "optout | be removed $ | be removed from ~ @list | be unsubscribed | be taken off $ | "
           "be taken off ~ @list | get off ~ @list | remove ~ from ~ @list | take ~ off ~ @list | "
           "delete ~ from ~ @list | cancel ~ subscription | end ~ subscription"},
    {"fr", "arreter de m'envoyer | arreter d'envoyer | arreter ~ @mail | me desabonner | me desinscrire | "
           "me retirer ~ @list | me supprimer ~ @list | m'enlever ~ @list | me rayer | "
           "resilier ~ abonnement | annuler ~ abonnement | annuler ~ inscription | etre desabonne | "
           "etre desabonnee | etre retire $ | etre retiree $ | etre retire ~ @list | "
           "etre retiree ~ @list | etre supprime ~ @list | etre supprimee ~ @list | etre desinscrit | "
           "etre desinscrite"},
    {"de", "abmelden | austragen | abbestellen | @list ~ entfernen | @list ~ streichen | "
           "@list ~ loschen | @list ~ entfernt | @list ~ gestrichen | @list ~ nehmen | @list ~ kundigen | "
           "abgemeldet werden | ausgetragen werden | aufzuhoren"},
    {"es", "dejar de enviarme | dejar de mandarme | dar de baja | cancelar ~ suscripcion | "
           "cancelar ~ subscripcion | anular ~ suscripcion | desuscribir | ser dado de baja | "
           "ser dada de baja | ser eliminado ~ @list | ser eliminada ~ @list | borrar ~ de ~ @list | "
           "eliminar ~ de ~ @list | quitar ~ de ~ @list | sacar ~ de ~ @list"},
    {"pt", "cancelar ~ inscricao | cancelar ~ assinatura | cancelar ~ subscricao | descadastrar | "
           "me descadastrar | descadastrar-me | desinscrever | me desinscrever | ser removido $ | "
           "ser removida $ | ser removido ~ @list | ser removida ~ @list | ser descadastrado | "
           "ser descadastrada | me remover | me tirar ~ @list | remover ~ @addr | parar de ~ enviar | "
           "parar de ~ mandar"},
    {"it", "cancellarmi | disiscrivermi | rimuovermi | togliermi | eliminarmi | annullare ~ iscrizione | "
           "annullare ~ abbonamento | cancellare ~ iscrizione | disdire ~ abbonamento | "
           "essere rimosso $ | essere rimossa $ | essere rimosso ~ @list | essere rimossa ~ @list | "
           "essere cancellato $ | essere cancellata $ | essere cancellato ~ @list | "
           "essere cancellata ~ @list | disiscrivere | smettere di inviarmi | smettere di mandarmi | "
           "smettere di inviare"},
    {"nl", "uitschrijven | afmelden | verwijderen uit ~ @list | @list ~ verwijderen | "
           "@list ~ verwijderd | uitgeschreven worden | uitgeschreven te worden | abonnement opzeggen | "
           "@list ~ opzeggen | mij uitschrijven | stoppen met ~ sturen | stoppen met ~ @mail"},
    {"pl", "wypisac | wypisac mnie | mnie wypisac | usunac ~ z ~ @list | usunac mnie | mnie usunac | "
           "usuniecie | wypisanie | anulowac ~ subskrypcje | anulowanie ~ subskrypcji | zostac wypisany | "
           "zostac wypisana | zostac usuniety | zostac usunieta | przestac wysyłac | przestac przysyłac | "
           "przestac mi wysyłac"},
    {"ru", "отписать меня | отписать | удалить ~ из ~ @list | удалить меня | исключить ~ из ~ @list | "
           "исключить меня | отменить ~ подписк* | отписку | отписка | прекратить присылать | "
           "прекратить рассылку | перестать присылать | прекратить отправлять"},
    {"uk", "відписати мене | відписати | видалити ~ @list | видалити мене | виключити мене | "
           "скасувати ~ підписк* | припинити надсилати | припинити розсилку | перестати надсилати"},
    {"tr", "listeden cıkarılmak | listeden silinmek | abonelik iptali | aboneligimin iptali | "
           "gondermeyi bırakmanızı | gondermemenizi"},
    {"ja", "配信停止 | 配信解除 | 購読解除 | 購読停止 | 登録解除 | メルマガ解除 | メルマガ停止 | "
           "メール停止 | 送信停止 | 退会 | 配信を停止 | 配信を止め | 配信をやめ | 配信を解除 | "
           "購読をやめ | 購読を解除 | 登録を解除 | リストから削除 | リストから外 | メールを止め | "
           "メールを停止"},
};

/* The speaker acts: not framed by a polite question ("vous pouvez vous désabonner"). */
static const struct unsub_src unsub_selfs[] = {
    {"en", "no more @mail | no further @mail | stop receiving | stop getting ~ @mail | leave ~ @list | "
           "be off ~ @list | not receive ~ @mail | not be on ~ @list"},
    {"fr", "quitter ~ @list | ne plus etre | me desabonner"},
    {"de", "mich ~ abmelden | mich ~ austragen | keine @mail mehr | keine weiteren @mail | "
           "keine ~ @mail mehr"},
    {"es", "darse de baja | darme de baja | desuscribirse | salir de ~ @list | salirme de ~ @list | "
           "dejar de recibir | no recibir mas | no mas @mail"},
    {"pt", "sair da lista | sair ~ @list | deixar de receber | nao receber mais"},
    {"it", "uscire ~ @list | non ricevere piu | smettere di ricevere"},
    {"nl", "me uitschrijven | me afmelden | mij afmelden | me ~ afmelden | me ~ uitschrijven | "
           "geen @mail meer | geen ~ @mail meer"},
    {"pl", "sie wypisac | wypisac sie | zrezygnowac z ~ subskrypcji | zrezygnowac z ~ newslettera | "
           "zrezygnowac z ~ @mail | zrezygnowac z ~ @list"},
    {"ru", "отписаться | отказаться от ~ рассылки | отказаться от ~ подписки | не получать"},
    {"uk", "відписатися | відписатись | відмовитися від ~ розсилки | відмовитися від ~ підписки | "
           "не отримувати"},
    {"tr", "abonelikten cıkmak | listeden cıkmak | aboneligimi iptal etmek | aboneligimden cıkmak | "
           "uyelikten cıkmak | abonelikten ayrılmak"},
};

/* Too common, or a noun: only at the head of the clause or with a please word. */
static const struct unsub_src unsub_bares[] = {
    {"en", "unsubscription | remove $ | stop $"},
    {"fr", "desabonner | desinscrire | desabonnement | desinscription | plus de @mail | plus d' @mail"},
    {"de", "abmeldung | keine @mail"},
    {"es", "darse de baja"},
    {"pt", "descadastro | descadastramento"},
    {"it", "disiscrizione"},
    {"nl", "afmelding | uitschrijving"},
    {"pl", "wypisz | wypiszcie"},
    {"ru", "отписка"},
    {"uk", "відписка | відписати"},
    {"tr", "abonelik iptali"},
};

/* Need the speaker's wish ("ich möchte … nicht mehr erhalten"). */
static const struct unsub_src unsub_wanteds[] = {
    {"en", "no longer receive | not to receive | not be on"},
    {"es", "la baja"},
    {"it", "la cancellazione | cancellazione ~ @list"},
    {"fr", "ne plus m'envoyer | ne plus recevoir | ne plus me les envoyer | ne plus m'ecrire"},
    {"de", "nicht mehr erhalten | nicht mehr bekommen | nicht mehr zugeschickt | nicht mehr empfangen | "
           "nicht langer erhalten | nicht mehr ~ @list"},
    {"nl", "niet meer ontvangen | niet langer ontvangen | niet meer krijgen"},
    {"pl", "nie otrzymywac | nie dostawac"},
    {"tr", "almak istemiyorum"},
};

/* The speaker's wish, before the act ("I'd like to unsubscribe"), in the first person. */
static const struct unsub_src unsub_want[] = {
    {"en", "i want | i wanna | i'd like | id like | i would like | i'd love | i would love | i wish | "
           "i need | i'd prefer | i would prefer | i prefer | i'd rather | i would rather | "
           "i have decided | i've decided | i am writing | i'm writing | i request | i'm requesting | "
           "i am requesting | i'm asking | i am asking | i ask | i'd appreciate | i would appreciate | "
           "i'd be grateful | i would be grateful | we want | we'd like | we would like | we wish | "
           "let me | help me | time to"},
    {"fr", "je veux | je voudrais | je souhaite | je souhaiterais | j'aimerais | j'aimerai | je desire | "
           "je demande | je vous demande | je tiens a | je prefere | je prefererais | nous voulons | "
           "nous souhaitons"},
    {"de", "ich mochte | ich will | ich wurde gerne | ich wurde gern | ich hatte gerne | ich hatte gern | "
           "ich wunsche | ich bitte | wir mochten | wir wollen | mochte ich | will ich | wurde ich gerne"},
    {"es", "quiero | quisiera | me gustaria | deseo | necesito | solicito | pido | les pido | le pido | "
           "os pido | queremos | preferiria | prefiero | les ruego | le ruego"},
    {"pt", "quero | gostaria | desejo | preciso | solicito | peco | queremos | prefiro"},
    {"it", "voglio | vorrei | desidero | chiedo | preferirei | ho deciso | gradirei | vorremmo | richiedo"},
    {"nl", "ik wil | ik zou graag | ik zou willen | ik wens | wij willen | we willen | ik verzoek | "
           "ik vraag | wil ik"},
    {"pl", "chce | chciałbym | chciałabym | chcielibysmy | prosze | pragne | zycze sobie | wole"},
    {"ru", "хочу | хотел бы | хотела бы | хотелось бы | бы хотел | бы хотела | прошу | желаю | хотим | "
           "мне нужно"},
    {"uk", "хочу | хотів би | хотіла б | хотіла би | хотів б | хотілося б | б хотів | б хотіла | "
           "би хотів | би хотіла | прошу | бажаю | хочемо | мені потрібно"},
};

/* The wish without its subject, at the head of a clause ("Would like to unsubscribe"). */
static const struct unsub_src unsub_want_initial[] = {
    {"en", "would like | want | wanna | wish | need | would love | would prefer"},
    {"de", "mochte | wurde gerne"},
    {"nl", "wil | zou graag"},
    {"fr", "voudrais | souhaite"},
};

/* Purpose clauses: the sentence is an instruction ("To unsubscribe, reply with …"). */
static const struct unsub_src unsub_purpose[] = {
    {"en", "to unsubscribe | to stop receiving | to opt out | to be removed | in order to | "
           "to no longer receive"},
    {"fr", "pour vous desabonner | pour se desabonner | pour vous desinscrire | pour ne plus recevoir | "
           "afin de"},
    {"de", "um sich | um keine | um ~ abzumelden"},
    {"es", "para darse de baja | para dejar de recibir | para cancelar | para no recibir | "
           "para desuscribirse"},
    {"pt", "para cancelar | para se descadastrar | para descadastrar | para deixar de receber | para sair"},
    {"it", "per annullare | per disiscriverti | per cancellarti | per non ricevere"},
    {"nl", "om je af te melden | om u af te melden | om ~ uit te schrijven | om geen"},
    {"pl", "aby sie wypisac | aby zrezygnowac | zeby sie wypisac | aby nie otrzymywac"},
    {"ru", "чтобы отписаться | чтобы не получать | для отписки"},
    {"uk", "щоб відписатися | щоб не отримувати | для відписки"},
};

/* A clause of purpose of any kind: a bare command in the same sentence is an instruction ("To
 * subscribe or unsubscribe, visit …"). */
static const struct unsub_src unsub_purpose_weak[] = {
    {"en", "to | in order"}, {"fr", "pour | afin"}, {"de", "um"},         {"es", "para"},  {"pt", "para"},
    {"it", "per"},           {"nl", "om"},          {"pl", "aby | zeby"}, {"ru", "чтобы"}, {"uk", "щоб"},
};

/* Please words: anywhere in the clause, before or after. */
static const struct unsub_src unsub_please[] = {
    {"en", "please | pls | plz | kindly"},
    {"fr", "s'il vous plait | s'il te plait | svp | stp | merci de | merci d' | veuillez | je vous prie"},
    {"de", "bitte | seien sie so nett | freundlicherweise"},
    {"es", "por favor | porfa | porfavor | favor de | hagan el favor"},
    {"pt", "por favor | pf | pfv | por gentileza | favor"},
    {"it", "per favore | per piacere | vi prego | ti prego | la prego | cortesemente | gentilmente"},
    {"nl", "graag | alsjeblieft | alstublieft | aub | a.u.b | gelieve"},
    {"pl", "prosze | uprzejmie prosze"},
    {"ru", "пожалуйста | будьте добры | будьте любезны | как можно скорее | как можно быстрее"},
    {"uk", "будь ласка | будьте ласкаві | якомога швидше"},
    {"tr", "lutfen | rica ederim | rica ediyorum"},
    {"ja", "ください | 下さい | お願い | 希望 | たい | ほしい | 欲しい | します | いたします | 致します"},
};

/* Polite questions and the speaker's wish that follow the act (the verb-final languages). */
static const struct unsub_src unsub_after[] = {
    {"tr", "istiyorum | isterim | istiyoruz | talep ediyorum | mısınız | misiniz | musunuz | mumkun mu"},
    {"ja", "いただけますか | いただけませんか | 頂けますか | 頂けませんか | もらえますか | "
           "もらえませんか | くれますか | くれませんか | お願いできますか | お願いできませんか"},
};

/* Polite questions before the act ("Could you remove me?"). */
static const struct unsub_src unsub_polite[] = {
    {"en", "can you | could you | would you | will you | can u | could u | can't you | cant you | "
           "couldn't you | would you mind | is it possible to | can i ask you to | could i ask you to | "
           "may i ask you to | can i be | could i be | may i be | can we be | could we be"},
    {"fr", "pouvez-vous | pourriez-vous | peux-tu | pourrais-tu | pouvez vous | pourriez vous | "
           "vous pouvez me | vous pourriez me | est-ce que vous pouvez | est-ce que vous pourriez | "
           "est-il possible | serait-il possible"},
    {"de", "konnen sie | konnten sie | kannst du | konntest du | konnt ihr | konntet ihr | "
           "ist es moglich | ware es moglich | wurden sie | wurdest du"},
    {"es", "pueden | puede | podrian | podria | podeis | puedes | podrias | es posible | seria posible"},
    {"pt", "podem | pode | poderiam | poderia | podes | e possivel | seria possivel | possivel"},
    {"it", "potete | potreste | puo | potrebbe | puoi | potresti | e possibile | possibile | "
           "sarebbe possibile"},
    {"nl", "kunt u | kun je | kunnen jullie | zou u | zouden jullie | zou je | wilt u | wil je | "
           "willen jullie | is het mogelijk"},
    {"pl", "czy mozecie | czy moglibyscie | czy mozna | czy mozesz | czy mogłbys | czy moze pan | "
           "czy moze pani | mozecie | moglibyscie"},
    {"ru", "можете | можете ли | не могли бы | могли бы | можно | можешь"},
    {"uk", "можете | чи можете | чи могли б | не могли б | могли б | можна | можеш"},
};

/* Greetings and the like that may stand before an imperative at the head of a clause. */
static const struct unsub_src unsub_openers[] = {
    {"en", "hi | hello | hey | dear | ok | okay | so | just | yes | again | also | now | then | thanks | "
           "thank you | sorry | honestly | seriously | oh | well | btw | ps | anyway | hereby | finally | "
           "simply"},
    {"fr", "bonjour | salut | merci | alors | donc | oui | bonsoir"},
    {"de", "hallo | guten tag | hiermit | danke | ja | nun | also"},
    {"es", "hola | buenas | buenos dias | gracias | si"},
    {"pt", "ola | oi | bom dia | obrigado | obrigada | sim"},
    {"it", "ciao | salve | buongiorno | grazie"},
    {"nl", "hoi | goedendag | bedankt | dank"},
    {"pl", "dzien dobry | czesc | witam | dziekuje | tak"},
    {"ru", "здравствуйте | привет | добрый день | спасибо | да"},
    {"uk", "вітаю | привіт | добрий день | дякую | так"},
    {"tr", "merhaba | selam | tesekkurler | evet"},
};

/* Words that may stand between the words of a phrase ("take me off right now"). */
static const struct unsub_src unsub_fillers[] = {
    {"en", "please | pls | plz | kindly | just | really | now | immediately | asap | all | any | also | "
           "finally | hereby | simply | permanently | completely | do | truly | politely | respectfully"},
    {"fr", "svp | stp | immediatement | maintenant | vraiment | definitivement"},
    {"de", "bitte | doch | mal | gerne | gern | sofort | hiermit | endlich"},
    {"es", "ahora | inmediatamente | realmente"},
    {"pt", "agora | imediatamente"},
    {"it", "subito | ora | davvero"},
    {"nl", "graag | nu | meteen | direct"},
    {"pl", "teraz | natychmiast | prosze"},
    {"ru", "сейчас | немедленно | пожалуйста | срочно"},
    {"uk", "тепер | негайно | зараз"},
    {"tr", "lutfen | hemen | artık"},
};

/* Negation before the phrase, in its clause. */
static const struct unsub_src unsub_negation[] = {
    {"en", "not | don't | dont | doesn't | didn't | won't | wont | wouldn't | can't | cant | cannot | "
           "shouldn't | isn't | aren't | wasn't | haven't | hasn't | never | no | nobody | nothing | "
           "neither | nor | without"},
    {"fr", "ne | n' | pas | jamais | sans | ni | aucun | aucune"},
    {"de", "nicht | kein | keine | keinen | keiner | nie | niemals | ohne | weder"},
    {"es", "nunca | jamas | sin | tampoco"},
    {"pt", "nao | sem | nem"},
    {"it", "non | mai | senza | nessun | nessuna"},
    {"nl", "niet | geen | nooit | zonder"},
    {"pl", "nigdy | bez | ani"},
    {"ru", "не | нет | ни | без | никогда"},
    {"uk", "ні | ніколи"},
    {"tr", "degil | asla | hic | istemiyorum | istemem"},
    {"ja", "ない | ません | なく"},
};

/* Negation after the phrase ("ne me désabonnez pas", "çıkmak istemiyorum", "停止しないで"). */
static const struct unsub_src unsub_post_negation[] = {
    {"fr", "pas | jamais"},
    {"de", "nicht"},
    {"nl", "niet"},
    {"tr", "istemiyorum | istemem | istemiyoruz"},
    {"ja", "ない | ません | なく"},
};

/* Not the present wish: hypotheticals, past wishes, reports and question words, before the phrase. */
static const struct unsub_src unsub_hypo[] = {
    {"en", "almost | nearly | was going to | were going to | was gonna | about to | thought about | "
           "thought of | thinking about | thinking of | considered | considering | tempted | wanted to | "
           "meant to | used to | planned | planning | would have | would've | whether | how | why | "
           "where | who | should i | told | said | says | asked | tells | wonder | wondering"},
    {"fr", "failli | presque | allais | pensais | voulais | voulu | aurais | comment | pourquoi | a dit | "
           "j'ai dit | envisage | hesite | demande si"},
    {"de", "fast | beinahe | wollte | wollten | dachte | uberlegt | uberlege | wie | warum | wieso | "
           "gesagt | sagte | gefragt | kurz davor | ob"},
    {"es", "casi | iba a | estuve a punto | a punto de | pense | pensaba | pensando | como | por que | "
           "dijo | quise"},
    {"pt", "quase | ia | pensei | pensando | disse"},
    {"it", "quasi | stavo per | stavo pensando | pensavo | ho pensato | volevo | come | ha detto"},
    {"nl", "bijna | wilde | ging | stond op het punt | dacht | overwoog | hoe | waarom | zei | gezegd | "
           "of ik"},
    {"pl", "prawie | omal | mało brakowało | miałem | miałam | chciałem | chciałam | myslałem | "
           "myslałam | zastanawiałem | zastanawiałam | jak | dlaczego | powiedział | powiedziała | czy"},
    {"ru", "чуть не | чуть было не | почти | едва не | собирался | собиралась | хотел | хотела | думал | "
           "думала | как | почему | зачем | сказал | сказала | подумывал | ли"},
    {"uk", "майже | ледь не | мало не | трохи не | збирався | збиралася | хотів | хотіла | думав | "
           "думала | як | чому | навіщо | сказав | сказала"},
    {"tr", "neredeyse | az kalsın | az daha | nasıl | neden | niye"},
};

/* The same after the phrase, for the verb-final languages. */
static const struct unsub_src unsub_post_hypo[] = {
    {"tr", "dusundum | dusunuyordum | istiyordum | istemistim | uzereydim | nasıl | dedi | soyledi | icin"},
    {"ja", "思っ | ところ | かけ | 方法 | やり方 | 仕方 | どう | の方 | できますか | ました | 済み | "
           "つもり | でした | するには | には"},
};

/* Conditions, anywhere in the sentence. */
static const struct unsub_src unsub_conditional[] = {
    {"en", "if | unless | otherwise | in case | or else | whenever"},
    {"fr", "sinon | au cas ou | a moins que"},
    {"de", "wenn | falls | sonst | ansonsten | sofern | es sei denn | sobald"},
    {"es", "a menos que | salvo que | en caso de | de lo contrario"},
    {"pt", "caso | a nao ser que | senao | a menos que"},
    {"it", "a meno che | altrimenti | nel caso | qualora"},
    {"nl", "indien | tenzij | anders | zodra | mocht"},
    {"pl", "jesli | jezeli | gdyby | chyba ze | w przeciwnym razie | o ile"},
    {"ru", "если | иначе | в противном случае | разве что"},
    {"uk", "якщо | якби | інакше | в іншому разі"},
    {"tr", "eger | yoksa | *rsa | *rse | *ysa | *yse | *rsanız | *rseniz | *ırsam | *irsem"},
    {"ja", "もし | たら | なら | れば | 場合"},
};

/* Conditions only at the head of a clause, and not as a word alone ("Sí, …" folds to "si"). */
static const struct unsub_src unsub_conditional_initial[] = {
    {"fr", "si"}, {"es", "si"}, {"pt", "se"}, {"it", "se"}, {"nl", "als"},
};

/* Polite formulas that are no condition (they count as a please word). */
static const struct unsub_src unsub_polite_conditional[] = {
    {"en", "if possible | if you can | if you could | if you would | if you don't mind | "
           "if you do not mind | if it's possible | if that's possible | if that is possible | "
           "if that's ok | if that's okay | if it's not too much trouble | if you please | "
           "if at all possible | if you would be so kind | if you'd be so kind | appreciate it if you"},
    {"fr", "si possible | si vous pouvez | si vous le pouvez | si c'est possible | si cela est possible | "
           "si ca ne vous derange pas | si vous voulez bien | si vous le voulez bien"},
    {"de", "wenn moglich | falls moglich | wenn es geht | wenn sie konnen | wenn es moglich ist | "
           "wenn es ihnen nichts ausmacht"},
    {"es", "si es posible | si puede | si pueden | si fuera posible | si no es molestia | "
           "si no les molesta"},
    {"pt", "se possivel | se for possivel | se puder | se puderem | se nao for incomodo"},
    {"it", "se possibile | se potete | se e possibile | se non e un problema | se non vi dispiace"},
    {"nl", "indien mogelijk | als het kan | als het mogelijk is | zo mogelijk"},
    {"pl", "jesli to mozliwe | jezeli to mozliwe | jesli mozna | jezeli mozna | o ile to mozliwe"},
    {"ru", "если можно | если возможно | если не трудно | если вас не затруднит"},
    {"uk", "якщо можна | якщо можливо | якщо не важко"},
    {"tr", "mumkunse | mumkun ise | mumkun olursa | zahmet olmazsa"},
    {"ja", "できれば | よろしければ | 可能であれば | 可能なら | よろしかったら | いただけたら | "
           "頂けたら | もらえたら"},
};

/* A footer's or an instruction's words: the clause is about unsubscribing, not a request. */
static const struct unsub_src unsub_footer[] = {
    {"en", "click* | here | link* | button* | http* | www* | reply with | respond with | at any time | "
           "anytime | preferences | you can | you may | you are receiving | you're receiving | "
           "you received | this email was sent | update your | profile | view in browser | privacy | "
           "manage | forward to a friend | visit"},
    {"fr", "cliquez | cliquer | cliquant | ici | lien | bouton | a tout moment | en repondant | "
           "vous recevez"},
    {"de", "klicken | klick | hier | jederzeit | schaltflache | antworten sie mit"},
    {"es", "haga clic | haz clic | clic | pulse | aqui | enlace | en cualquier momento | responda con"},
    {"pt", "clique | clicar | aqui | a qualquer momento | responda com"},
    {"it", "clicca | cliccando | fai clic | qui | in qualsiasi momento | rispondendo"},
    {"nl", "klik | klikken | op elk moment | op ieder moment | antwoord met"},
    {"pl", "kliknij | klikajac | tutaj | w kazdej chwili | w dowolnym momencie | odpowiadajac"},
    {"ru", "нажмите | нажав | ссылк* | здесь | тут | в любой момент | в любое время | ответив"},
    {"uk", "натисніть | натиснувши | посиланн* | у будь-який момент | будь-коли | відповівши"},
    {"tr", "tıklayın | tıklayarak | buraya | baglantı* | istediginiz zaman"},
    {"ja", "こちら | クリック | リンク"},
};

/* Connectives: a new clause starts after them. */
static const struct unsub_src unsub_connectors[] = {
    {"en", "but | so | and | because | as | since | though | although | however | or | cause | 'cause | "
           "coz | therefore | yet | while"},
    {"fr", "mais | donc | alors | car | parce que | puisque | et | ou | cependant | pourtant"},
    {"de", "aber | denn | weil | und | oder | jedoch | deshalb | daher | trotzdem | sondern"},
    {"es", "pero | asi que | porque | ya que | pues | y | sin embargo | aunque | entonces"},
    {"pt", "mas | entao | pois | e | porem | embora | portanto"},
    {"it", "ma | quindi | perche | poiche | pero | dunque | allora | siccome"},
    {"nl", "maar | dus | omdat | echter | daarom | aangezien"},
    {"pl", "ale | wiec | bo | poniewaz | lub | albo | jednak | dlatego | oraz"},
    {"ru", "но | так что | поэтому | потому что | так как | и | или | а | однако | хотя | ведь"},
    {"uk", "але | тому | бо | оскільки | і | або | однак | проте | хоча"},
    {"tr", "ama | fakat | ancak | cunku | bu yuzden | ve | veya | yani"},
    {"ja", "ので | から | けど | けれど | しかし | でも"},
};

/* Word classes (@name in a phrase). */
static const struct unsub_src unsub_class_mail[] = {
    {"en", "email* | e-mail* | mail | mails | mailing* | message* | newsletter* | updates | spam | issues"},
    {"fr", "courriel* | lettre* | envois | messages"},
    {"de", "nachrichten | zusendungen | post | werbung"},
    {"es", "correo* | mensajes | boletin* | emails"},
    {"pt", "mensagens | boletim | boletins | emails"},
    {"it", "messaggi | comunicazioni"},
    {"nl", "nieuwsbrie* | berichten"},
    {"pl", "maili | maile | wiadomosci | e-maili | e-maile"},
    {"ru", "письм* | рассылк* | сообщени* | имейл*"},
    {"uk", "лист* | розсилк* | повідомлен*"},
    {"tr", "e-posta* | eposta* | mail* | bulten* | ileti* | mesaj*"},
    {"ja", "メール | メルマガ | ニュースレター"},
};

static const struct unsub_src unsub_class_these[] = {
    {"en", "these | them | this | stuff | anything | more | anymore"},
};

static const struct unsub_src unsub_class_list[] = {
    {"en", "list* | mailing* | newsletter* | distribution*"},
    {"fr", "diffusion"},
    {"de", "verteiler*"},
    {"nl", "lijst* | mailinglijst* | nieuwsbrie*"},
    {"pl", "listy | subskrypcji"},
    {"ru", "списк* | рассылк*"},
    {"uk", "списк* | розсилк*"},
    {"tr", "bulten*"},
    {"ja", "リスト"},
};

/* What the speaker may own: "remove my address" is about the speaker, "my colleague" is not. */
static const struct unsub_src unsub_class_addr[] = {
    {"en", "email* | e-mail* | mail* | address* | account* | subscription* | name* | details | data | "
           "info* | contact* | self | myself"},
    {"fr", "adresse* | abonnement* | nom | donnees | compte | inscription"},
    {"de", "adresse* | abo* | konto* | daten"},
    {"es", "correo* | direccion* | suscripcion* | cuenta* | nombre | datos"},
    {"pt", "endereco* | assinatura* | inscricao* | conta* | nome | dados"},
    {"it", "indirizzo* | iscrizione* | abbonamento* | nome | dati"},
    {"nl", "adres* | inschrijving* | abonnement* | naam | gegevens"},
    {"pl", "adres* | subskrypcj* | konto* | dane"},
    {"ru", "адрес* | подписк* | почт* | аккаунт* | имя | данные"},
    {"uk", "адрес* | підписк* | пошт* | ім'я | дані"},
};

static const struct unsub_src unsub_class_poss[] = {
    {"en", "my | our"},
    {"fr", "mon | ma | mes | notre | nos"},
    {"de", "mein* | unser*"},
    {"es", "mi | mis | nuestr*"},
    {"pt", "meu | minha | meus | minhas | noss*"},
    {"it", "mio | mia | miei | mie | nostr*"},
    {"nl", "mijn | onze"},
    {"pl", "moj | moja | moje | mojego | mojej | nasz*"},
    {"ru", "мой | мою | моего | моей | моих | наш*"},
    {"uk", "мій | мою | мого | моєї | моїх | нашого"},
    {"tr", "benim | bizim"},
};

/* Someone else as the object. */
static const struct unsub_src unsub_class_them[] = {
    {"en", "him | her | them | his | their | everyone | everybody | others | people"},
    {"fr", "son | sa | ses | leur"},
    {"de", "ihn | sein*"},
    {"nl", "zijn | haar"},
    {"pl", "jego | jej"},
    {"ru", "его | её"},
    {"uk", "його | її | їх"},
};

/* ---- folded tables, built on first use ---- */

enum tok_kind { TOK_WORD, TOK_CLASS, TOK_GAP, TOK_END };

struct unsub_tok {
	enum tok_kind kind;
	const char *s; /* TOK_WORD: the folded word (points into the phrase's buffer) */
	size_t len;
	bool prefix, suffix; /* "word*", "*word" */
	int cls;             /* TOK_CLASS: index into unsub_classes */
};

struct unsub_phrase {
	const char *lang;
	struct unsub_tok *t;
	size_t n;
	char *buf;
	int frame; /* for the request tables */
};

/* A phrase that starts with one whole word, by that word: the index that lets a table be tried at
 * a word without trying every one of its phrases. */
struct unsub_key {
	const char *s;
	size_t len;
	size_t phrase;
};

struct unsub_table {
	const struct unsub_src *src;
	size_t n_src;
	int frame;
	struct unsub_phrase *p; /* built on first use: every phrase of every language */
	size_t n;
	struct unsub_key *keys; /* the phrases that start with a whole word, sorted by it */
	size_t n_keys;
	size_t *others; /* the rest (a class, a gap, "word*" first), in table order */
	size_t n_others;
};

#define TABLE(arr, frame)                                                                                    \
	{                                                                                                    \
		arr, sizeof arr / sizeof arr[0], frame, NULL, 0, NULL, 0, NULL, 0                            \
	}

enum { CLS_MAIL, CLS_THESE, CLS_LIST, CLS_ADDR, CLS_POSS, CLS_THEM, N_CLASSES };
static const char *const unsub_class_names[N_CLASSES] = {"mail", "these", "list", "addr", "poss", "them"};

static struct unsub_table unsub_classes[N_CLASSES] = {
    TABLE(unsub_class_mail, 0), TABLE(unsub_class_these, 0), TABLE(unsub_class_list, 0),
    TABLE(unsub_class_addr, 0), TABLE(unsub_class_poss, 0),  TABLE(unsub_class_them, 0),
};

enum {
	T_REQUEST,
	T_ACTION,
	T_SELF,
	T_BARE,
	T_WANTED,
	T_WANT,
	T_PLEASE,
	T_AFTER,
	T_POLITE,
	T_OPENER,
	T_FILLER,
	T_NEG,
	T_POST_NEG,
	T_HYPO,
	T_POST_HYPO,
	T_COND,
	T_COND_INITIAL,
	T_POLITE_COND,
	T_FOOTER,
	T_CONNECTOR,
	T_WANT_INITIAL,
	T_PURPOSE,
	T_PURPOSE_WEAK,
	N_TABLES
};

static struct unsub_table unsub_tables[N_TABLES] = {
    [T_REQUEST] = TABLE(unsub_requests, FR_REQUEST),
    [T_ACTION] = TABLE(unsub_actions, FR_ACTION),
    [T_SELF] = TABLE(unsub_selfs, FR_SELF),
    [T_BARE] = TABLE(unsub_bares, FR_BARE),
    [T_WANTED] = TABLE(unsub_wanteds, FR_WANTED),
    [T_WANT] = TABLE(unsub_want, 0),
    [T_PLEASE] = TABLE(unsub_please, 0),
    [T_AFTER] = TABLE(unsub_after, 0),
    [T_POLITE] = TABLE(unsub_polite, 0),
    [T_OPENER] = TABLE(unsub_openers, 0),
    [T_FILLER] = TABLE(unsub_fillers, 0),
    [T_NEG] = TABLE(unsub_negation, 0),
    [T_POST_NEG] = TABLE(unsub_post_negation, 0),
    [T_HYPO] = TABLE(unsub_hypo, 0),
    [T_POST_HYPO] = TABLE(unsub_post_hypo, 0),
    [T_COND] = TABLE(unsub_conditional, 0),
    [T_COND_INITIAL] = TABLE(unsub_conditional_initial, 0),
    [T_POLITE_COND] = TABLE(unsub_polite_conditional, 0),
    [T_FOOTER] = TABLE(unsub_footer, 0),
    [T_CONNECTOR] = TABLE(unsub_connectors, 0),
    [T_WANT_INITIAL] = TABLE(unsub_want_initial, 0),
    [T_PURPOSE] = TABLE(unsub_purpose, 0),
    [T_PURPOSE_WEAK] = TABLE(unsub_purpose_weak, 0),
};

static void unsub_push(struct unsub_phrase *p, size_t *cap, struct unsub_tok t)
{
	if (p->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		p->t = nl_xrealloc(p->t, *cap * sizeof *p->t);
	}
	p->t[p->n++] = t;
}

/* Splits a phrase at spaces; each plain piece is folded and split into words as a reply is. */
static void unsub_build_phrase(const char *lang, const char *text, size_t len, int frame,
                               struct unsub_phrase *p)
{
	memset(p, 0, sizeof *p);
	p->lang = lang;
	p->frame = frame;
	size_t cap = 0;
	struct nl_text_words w;
	p->buf = nl_xstrdup("");

	char *own = nl_xstrndup(text, len);
	const char *s = own;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && *e != ' ')
			e++;
		size_t n = (size_t)(e - s);
		if (n == 1 && *s == '~') {
			unsub_push(p, &cap, (struct unsub_tok){.kind = TOK_GAP});
		} else if (n == 1 && *s == '$') {
			unsub_push(p, &cap, (struct unsub_tok){.kind = TOK_END});
		} else if (*s == '@') {
			int cls = -1;
			for (int k = 0; k < N_CLASSES; k++)
				if (strlen(unsub_class_names[k]) == n - 1 &&
				    memcmp(unsub_class_names[k], s + 1, n - 1) == 0)
					cls = k;
			if (cls >= 0)
				unsub_push(p, &cap, (struct unsub_tok){.kind = TOK_CLASS, .cls = cls});
		} else {
			bool suffix = *s == '*', prefix = s[n - 1] == '*';
			const char *ws = s + suffix;
			size_t wn = n - suffix - prefix;
			nl_text_words(ws, wn, 0, &w);
			/* "d'", "n'", "merci d'": an elided word keeps its apostrophe, as in a reply
			 * where a word follows it */
			bool elided = wn > 0 && ws[wn - 1] == '\'';
			for (size_t k = 0; k < w.n; k++) {
				/* keep the folded word in p->buf: append it (the buffer only grows) */
				size_t at = strlen(p->buf), wl = w.w[k].len;
				bool apos = elided && k + 1 == w.n && w.folded[w.w[k].off + wl - 1] != '\'';
				p->buf = nl_xrealloc(p->buf, at + wl + 3);
				p->buf[at] = ' ';
				memcpy(p->buf + at + 1, w.folded + w.w[k].off, wl);
				if (apos)
					p->buf[at + 1 + wl++] = '\'';
				p->buf[at + 1 + wl] = 0;
				struct unsub_tok t = {.kind = TOK_WORD, .len = wl};
				t.s = (const char *)(uintptr_t)(at +
				                                1); /* an offset until the buffer is final */
				t.prefix = prefix && k + 1 == w.n;
				t.suffix = suffix && k == 0;
				unsub_push(p, &cap, t);
			}
			nl_text_words_free(&w);
		}
		s = e;
	}
	free(own);
	for (size_t k = 0; k < p->n; k++)
		if (p->t[k].kind == TOK_WORD)
			p->t[k].s = p->buf + (uintptr_t)p->t[k].s;
}

static void unsub_build(struct unsub_table *t)
{
	if (t->p)
		return;
	size_t cap = 0;
	for (size_t i = 0; i < t->n_src; i++)
		for (const char *c = t->src[i].text; c; c = strchr(c + 1, '|'))
			cap++;
	t->p = nl_xcalloc(cap ? cap : 1, sizeof *t->p);
	for (size_t i = 0; i < t->n_src; i++) {
		const char *c = t->src[i].text;
		for (;;) {
			const char *bar = strchr(c, '|');
			size_t n = bar ? (size_t)(bar - c) : strlen(c);
			unsub_build_phrase(t->src[i].lang, c, n, t->frame, &t->p[t->n]);
			if (t->p[t->n].n)
				t->n++;
			else
				free(t->p[t->n].buf);
			if (!bar)
				break;
			c = bar + 1;
		}
	}
}

static int unsub_key_cmp(const void *a, const void *b)
{
	const struct unsub_key *x = a, *y = b;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	int c = memcmp(x->s, y->s, x->len);
	if (c)
		return c;
	return x->phrase < y->phrase ? -1 : x->phrase > y->phrase;
}

static void unsub_index(struct unsub_table *t)
{
	t->keys = nl_xcalloc(t->n ? t->n : 1, sizeof *t->keys);
	t->others = nl_xcalloc(t->n ? t->n : 1, sizeof *t->others);
	for (size_t i = 0; i < t->n; i++) {
		const struct unsub_tok *first = &t->p[i].t[0];
		if (first->kind == TOK_WORD && !first->prefix && !first->suffix)
			t->keys[t->n_keys++] = (struct unsub_key){first->s, first->len, i};
		else
			t->others[t->n_others++] = i;
	}
	qsort(t->keys, t->n_keys, sizeof *t->keys, unsub_key_cmp);
}

static const int unsub_request_tables[] = {T_REQUEST, T_ACTION, T_SELF, T_BARE, T_WANTED};

/* The anchors of the request tables: words one of which every request phrase needs (its first
 * whole or partial word, or for a phrase that starts with a class, the anchors of every entry of
 * the class).  A sentence with none of them holds no request, so it is not read further: most
 * replies ask for nothing, and reading every phrase at every word was a sixth of a collect. */
static struct {
	const struct unsub_tok **exact; /* sorted by (len, bytes) */
	size_t n_exact;
	const struct unsub_tok **partial; /* "word*" and "*word" */
	size_t n_partial;
	bool all; /* a phrase with no anchor: every sentence is read */
} unsub_anchors;

static void unsub_anchor_add(const struct unsub_tok *t, size_t *cap_exact, size_t *cap_partial)
{
	if (t->prefix || t->suffix) {
		if (unsub_anchors.n_partial == *cap_partial) {
			*cap_partial = *cap_partial ? *cap_partial * 2 : 64;
			unsub_anchors.partial =
			    nl_xrealloc(unsub_anchors.partial, *cap_partial * sizeof *unsub_anchors.partial);
		}
		unsub_anchors.partial[unsub_anchors.n_partial++] = t;
		return;
	}
	if (unsub_anchors.n_exact == *cap_exact) {
		*cap_exact = *cap_exact ? *cap_exact * 2 : 256;
		unsub_anchors.exact =
		    nl_xrealloc(unsub_anchors.exact, *cap_exact * sizeof *unsub_anchors.exact);
	}
	unsub_anchors.exact[unsub_anchors.n_exact++] = t;
}

/* Adds the anchors of phrase p; false when it has none (no word, and no class whose every entry
 * has one).  `depth` bounds classes within classes. */
static bool unsub_anchor_phrase(const struct unsub_phrase *p, int depth, size_t *ce, size_t *cp)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct unsub_tok *t = &p->t[i];
		if (t->kind == TOK_WORD) {
			unsub_anchor_add(t, ce, cp);
			return true;
		}
		if (t->kind != TOK_CLASS || depth > 3)
			continue;
		const struct unsub_table *c = &unsub_classes[t->cls];
		bool every = c->n > 0;
		for (size_t e = 0; every && e < c->n; e++)
			every = unsub_anchor_phrase(&c->p[e], depth + 1, ce, cp);
		if (every)
			return true; /* (anchors added by a class that failed halfway only cost time) */
	}
	return false;
}

static int unsub_anchor_cmp(const void *a, const void *b)
{
	const struct unsub_tok *x = *(const struct unsub_tok *const *)a,
	                       *y = *(const struct unsub_tok *const *)b;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->s, y->s, x->len);
}

static void unsub_anchor_all(void)
{
	size_t ce = 0, cp = 0;
	for (size_t t = 0; t < sizeof unsub_request_tables / sizeof unsub_request_tables[0]; t++) {
		const struct unsub_table *tab = &unsub_tables[unsub_request_tables[t]];
		for (size_t i = 0; i < tab->n; i++)
			if (!unsub_anchor_phrase(&tab->p[i], 0, &ce, &cp))
				unsub_anchors.all = true;
	}
	if (unsub_anchors.n_exact > 1)
		qsort(unsub_anchors.exact, unsub_anchors.n_exact, sizeof *unsub_anchors.exact,
		      unsub_anchor_cmp);
}

static void unsub_build_all(void)
{
	static bool built;
	if (built)
		return;
	built = true;
	for (int k = 0; k < N_CLASSES; k++) {
		unsub_build(&unsub_classes[k]);
		unsub_index(&unsub_classes[k]);
	}
	for (int k = 0; k < N_TABLES; k++) {
		unsub_build(&unsub_tables[k]);
		unsub_index(&unsub_tables[k]);
	}
	unsub_anchor_all();
}

/* ---- one sentence ---- */

struct unsub_sent {
	struct nl_text_words w;
	bool *hard;         /* hard[k]: punctuation that ends a clause stands before word k */
	bool *quoted;       /* word k is inside quotation marks */
	size_t *clause;     /* the first word of word k's clause */
	size_t *clause_end; /* one past the last word of word k's clause */
	bool question;      /* the clause ends with '?' (per clause start: question_at[clause]) */
	bool *question_at;
};

static bool unsub_word_is(const struct unsub_sent *s, size_t k, const struct unsub_tok *t)
{
	const struct nl_text_word *w = &s->w.w[k];
	const char *ws = s->w.folded + w->off;
	if (t->prefix)
		return w->len >= t->len && memcmp(ws, t->s, t->len) == 0;
	if (t->suffix)
		return w->len >= t->len && memcmp(ws + w->len - t->len, t->s, t->len) == 0;
	return w->len == t->len && memcmp(ws, t->s, t->len) == 0;
}

/* The phrases of a table that may match at a word: those keyed by the word and the unkeyed ones,
 * in table order (where two match alike, the first in the table wins, as without the index). */
struct unsub_cands {
	const struct unsub_table *t;
	const struct unsub_key *keyed;
	size_t n_keyed, a, b;
};

static void unsub_cands_init(struct unsub_cands *c, const struct unsub_table *t, const struct unsub_sent *s,
                             size_t k);
static const struct unsub_phrase *unsub_cands_next(struct unsub_cands *c);
static bool unsub_in_table_word(int table, const struct unsub_sent *s, size_t k);
static bool unsub_clause_ends(const struct unsub_sent *s, size_t k);
static bool unsub_table_at(int table, const struct unsub_sent *s, size_t k, size_t *end,
                           const struct unsub_phrase **which);

/* Does phrase p match from token ti at word wi (wi > start: inside the phrase)?  *end gets one
 * past its last word.  `fillers` allows filler words between tokens (not inside class entries). */
static bool unsub_match_from(const struct unsub_phrase *p, size_t ti, const struct unsub_sent *s, size_t wi,
                             size_t start, bool fillers, size_t *end)
{
	if (ti == p->n) {
		*end = wi;
		return true;
	}
	const struct unsub_tok *t = &p->t[ti];
	size_t max_skip = (fillers && ti > 0) ? UNSUB_FILLERS_MAX : 0;
	for (size_t skip = 0; skip <= max_skip; skip++) {
		size_t k = wi + skip;
		if (skip > 0 && (k - 1 >= s->w.n || (k - 1 > start && s->hard[k - 1]) ||
		                 !unsub_in_table_word(T_FILLER, s, k - 1)))
			break;
		if (t->kind == TOK_GAP) {
			for (size_t g = 0; g <= UNSUB_GAP_MAX; g++) {
				if (g > 0) {
					size_t gk = k + g - 1;
					if (gk >= s->w.n || (gk > start && s->hard[gk]) ||
					    unsub_in_table_word(T_NEG, s, gk))
						break;
				}
				if (unsub_match_from(p, ti + 1, s, k + g, start, fillers, end))
					return true;
			}
			continue;
		}
		if (t->kind == TOK_END) {
			if (unsub_clause_ends(s, k) && unsub_match_from(p, ti + 1, s, k, start, fillers, end))
				return true;
			continue;
		}
		if (k >= s->w.n || (k > start && s->hard[k]))
			break;
		if (t->kind == TOK_WORD) {
			if (unsub_word_is(s, k, t) &&
			    unsub_match_from(p, ti + 1, s, k + 1, start, fillers, end))
				return true;
			continue;
		}
		/* a class: any of its entries, word for word */
		struct unsub_cands c;
		unsub_cands_init(&c, &unsub_classes[t->cls], s, k);
		for (const struct unsub_phrase *e; (e = unsub_cands_next(&c));) {
			size_t ce;
			if (unsub_match_from(e, 0, s, k, start, false, &ce) &&
			    unsub_match_from(p, ti + 1, s, ce, start, fillers, end))
				return true;
		}
	}
	return false;
}

/* The phrases of t keyed by word k: *from is the first of them in t->keys, the count is returned. */
static size_t unsub_keyed(const struct unsub_table *t, const struct unsub_sent *s, size_t k, size_t *from)
{
	*from = 0;
	if (k >= s->w.n)
		return 0;
	struct unsub_key want = {s->w.folded + s->w.w[k].off, s->w.w[k].len, 0};
	size_t lo = 0, hi = t->n_keys;
	while (lo < hi) { /* the first key not below the word */
		size_t mid = lo + (hi - lo) / 2;
		if (unsub_key_cmp(&t->keys[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < t->n_keys && t->keys[end].len == want.len &&
	       memcmp(t->keys[end].s, want.s, want.len) == 0)
		end++;
	*from = lo;
	return end - lo;
}

static void unsub_cands_init(struct unsub_cands *c, const struct unsub_table *t, const struct unsub_sent *s,
                             size_t k)
{
	size_t from;
	c->t = t;
	c->n_keyed = unsub_keyed(t, s, k, &from);
	c->keyed = t->keys + from;
	c->a = c->b = 0;
}

static const struct unsub_phrase *unsub_cands_next(struct unsub_cands *c)
{
	if (c->a < c->n_keyed && (c->b >= c->t->n_others || c->keyed[c->a].phrase < c->t->others[c->b]))
		return &c->t->p[c->keyed[c->a++].phrase];
	if (c->b < c->t->n_others)
		return &c->t->p[c->t->others[c->b++]];
	return NULL;
}

/* The longest entry of `table` matching at word k; *end one past it. */
static bool unsub_table_at(int table, const struct unsub_sent *s, size_t k, size_t *end,
                           const struct unsub_phrase **which)
{
	struct unsub_cands c;
	unsub_cands_init(&c, &unsub_tables[table], s, k);
	bool found = false;
	size_t best = 0;
	for (const struct unsub_phrase *p; (p = unsub_cands_next(&c));) {
		size_t e;
		if (unsub_match_from(p, 0, s, k, k, true, &e) && e > k && (!found || e > best)) {
			found = true;
			best = e;
			if (which)
				*which = p;
		}
	}
	if (found && end)
		*end = best;
	return found;
}

/* One-word entries only (fillers and negations inside phrases). */
static bool unsub_in_table_word(int table, const struct unsub_sent *s, size_t k)
{
	const struct unsub_table *t = &unsub_tables[table];
	size_t from, n_keyed = unsub_keyed(t, s, k, &from);
	for (size_t a = 0; a < n_keyed; a++)
		if (t->p[t->keys[from + a].phrase].n == 1)
			return true;
	for (size_t b = 0; b < t->n_others; b++) {
		const struct unsub_phrase *p = &t->p[t->others[b]];
		if (p->n == 1 && p->t[0].kind == TOK_WORD && unsub_word_is(s, k, &p->t[0]))
			return true;
	}
	return false;
}

/* "$": the clause ends at word k, but for please words ("be removed, please", "be removed please"). */
static bool unsub_clause_ends(const struct unsub_sent *s, size_t k)
{
	if (k >= s->w.n || s->hard[k])
		return true;
	size_t j = k;
	while (j < s->w.n && (j == k || !s->hard[j]) && j < k + UNSUB_FILLERS_MAX &&
	       (unsub_in_table_word(T_FILLER, s, j) || unsub_in_table_word(T_PLEASE, s, j)))
		j++;
	if (j >= s->w.n || s->hard[j])
		return true;
	size_t e;
	return unsub_table_at(T_CONNECTOR, s, j, &e, NULL) || unsub_table_at(T_POLITE_COND, s, j, &e, NULL);
}

/* The folded text between word k-1 and word k (k == n: after the last word). */
static void unsub_gap(const struct unsub_sent *s, size_t k, const char **g, size_t *glen)
{
	size_t from = k == 0 ? 0 : s->w.w[k - 1].off + s->w.w[k - 1].len;
	size_t to = k < s->w.n ? s->w.w[k].off : s->w.folded_len;
	*g = s->w.folded + from;
	*glen = to > from ? to - from : 0;
}

static bool unsub_gap_has(const char *g, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(set, g[i]) && g[i])
			return true;
	return false;
}

/* 、 ，(NFKC makes it ',') 「 」 « » */
static bool unsub_gap_has_seq(const char *g, size_t n, const char *seq)
{
	size_t sl = strlen(seq);
	for (size_t i = 0; i + sl <= n; i++)
		if (memcmp(g + i, seq, sl) == 0)
			return true;
	return false;
}

/* Punctuation between two words ends a clause, except the marks that stand inside one: spaces and
 * line breaks (a wrapped line), full stops ("a.u.b.", "e.g."), quotation marks, apostrophes and
 * emphasis ("*please*"). */
static bool unsub_gap_hard(const char *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\n.\"'`*_~", g[i]) || !g[i])
			return true;
	return false;
}

/* True when a word of the sentence is an anchor of the request tables (unsub_anchors). */
static bool unsub_may_request(const struct nl_text_words *w)
{
	if (unsub_anchors.all)
		return true;
	for (size_t k = 0; k < w->n; k++) {
		struct unsub_tok want = {.s = w->folded + w->w[k].off, .len = w->w[k].len};
		const struct unsub_tok *key = &want;
		if (bsearch(&key, unsub_anchors.exact, unsub_anchors.n_exact, sizeof *unsub_anchors.exact,
		            unsub_anchor_cmp))
			return true;
		for (size_t a = 0; a < unsub_anchors.n_partial; a++) {
			const struct unsub_tok *t = unsub_anchors.partial[a];
			if (want.len >= t->len &&
			    memcmp(t->prefix ? want.s : want.s + want.len - t->len, t->s, t->len) == 0)
				return true;
		}
	}
	return false;
}

/* The words of the sentence at text[0, len). */
static void unsub_sent_words(struct unsub_sent *s, const char *text, size_t len)
{
	memset(s, 0, sizeof *s);
	nl_text_words(text, len, UNSUB_WORDS_MAX, &s->w);
}

/* The rest of what reading the sentence needs: clause bounds, quotation, questions. */
static void unsub_sent_clauses(struct unsub_sent *s)
{
	size_t n = s->w.n;
	s->hard = nl_xcalloc(n + 1, sizeof *s->hard);
	s->quoted = nl_xcalloc(n + 1, sizeof *s->quoted);
	s->clause = nl_xcalloc(n + 1, sizeof *s->clause);
	s->clause_end = nl_xcalloc(n + 1, sizeof *s->clause_end);
	s->question_at = nl_xcalloc(n + 1, sizeof *s->question_at);
	int depth = 0;
	bool dq = false;
	for (size_t k = 0; k < n; k++) {
		const char *g;
		size_t gl;
		unsub_gap(s, k, &g, &gl);
		if (k > 0)
			s->hard[k] = unsub_gap_hard(g, gl);
		for (size_t i = 0; i < gl; i++)
			if (g[i] == '"')
				dq = !dq;
		if (unsub_gap_has_seq(g, gl, "\xc2\xab") || unsub_gap_has_seq(g, gl, "\xe3\x80\x8c"))
			depth++;
		if ((unsub_gap_has_seq(g, gl, "\xc2\xbb") || unsub_gap_has_seq(g, gl, "\xe3\x80\x8d")) &&
		    depth > 0)
			depth--;
		s->quoted[k] = dq || depth > 0;
	}
	/* a "quote" never closed is an apostrophe or a stray mark: nothing is quoted */
	if (dq)
		for (size_t k = 0; k < n; k++)
			s->quoted[k] = false;
	/* clauses */
	size_t cur = 0;
	for (size_t k = 0; k < n;) {
		if (k > 0 && s->hard[k])
			cur = k;
		size_t e;
		if (k > cur && unsub_table_at(T_CONNECTOR, s, k, &e, NULL)) {
			for (size_t j = k; j < e; j++)
				s->clause[j] = cur;
			cur = e;
			k = e;
			continue;
		}
		s->clause[k] = cur;
		k++;
	}
	for (size_t k = n; k-- > 0;)
		s->clause_end[k] =
		    (k + 1 < n && s->clause[k + 1] == s->clause[k]) ? s->clause_end[k + 1] : k + 1;
	for (size_t k = 0; k < n; k++) {
		if (s->clause[k] != k)
			continue;
		const char *g;
		size_t gl;
		unsub_gap(s, s->clause_end[k], &g, &gl);
		s->question_at[k] = unsub_gap_has(g, gl, "?");
	}
}

static void unsub_sent_free(struct unsub_sent *s)
{
	nl_text_words_free(&s->w);
	free(s->hard);
	free(s->quoted);
	free(s->clause);
	free(s->clause_end);
	free(s->question_at);
}

/* A condition anywhere in the sentence (polite formulas excepted). */
static bool unsub_has_condition(const struct unsub_sent *s)
{
	for (size_t k = 0; k < s->w.n;) {
		size_t e;
		if (unsub_table_at(T_POLITE_COND, s, k, &e, NULL)) {
			k = e;
			continue;
		}
		if (unsub_table_at(T_COND, s, k, &e, NULL))
			return true;
		if (s->clause[k] == k && k + 1 < s->w.n && !s->hard[k + 1] &&
		    unsub_table_at(T_COND_INITIAL, s, k, &e, NULL))
			return true;
		k++;
	}
	return false;
}

/* What a phrase is in its sentence: no request, a request, or a request only as a bare command
 * at the head of its clause (which a footer around it turns into a footer's link text). */
enum unsub_reading { R_NO = 0, R_BARE = 1, R_YES = 2 };

/* Any of the table's phrases starting at the head of a clause of the sentence. */
static bool unsub_clause_starts_with(const struct unsub_sent *s, int table)
{
	for (size_t j = 0; j < s->w.n; j++)
		if (s->clause[j] == j && unsub_table_at(table, s, j, NULL, NULL))
			return true;
	return false;
}

static bool unsub_has_footer(const struct unsub_sent *s)
{
	for (size_t j = 0; j < s->w.n; j++)
		if (unsub_table_at(T_FOOTER, s, j, NULL, NULL))
			return true;
	return false;
}

/* The rules of the header for a phrase matched at words [k, e). */
static enum unsub_reading unsub_is_request(const struct unsub_sent *s, size_t k, size_t e, int frame)
{
	size_t c = s->clause[k], ce = s->clause_end[e - 1];
	size_t ec = s->clause[e - 1];
	if (s->quoted[k])
		return false;
	for (size_t j = c; j < ce; j++)
		if (unsub_table_at(T_FOOTER, s, j, NULL, NULL))
			return false;
	/* an instruction: "To unsubscribe, reply …", "Pour vous désabonner, …", "Чтобы отписаться, …" */
	if (unsub_clause_starts_with(s, T_PURPOSE))
		return false;
	int have = 0;
	/* a clause joined by "or", "and", "but" continues the one before: its head is not the head of
	 * an imperative ("To subscribe or unsubscribe, visit …") */
	bool initial = c == 0 || s->hard[c];
	for (size_t j = c; j < k;) {
		size_t je;
		if (unsub_table_at(T_POLITE_COND, s, j, &je, NULL) ||
		    unsub_table_at(T_PLEASE, s, j, &je, NULL)) {
			have |= F_PLEASE;
		} else if (unsub_table_at(T_POLITE, s, j, &je, NULL)) {
			have |= F_POLITE;
			initial = false;
		} else if (unsub_table_at(T_WANT, s, j, &je, NULL) ||
		           (initial && unsub_table_at(T_WANT_INITIAL, s, j, &je, NULL))) {
			have |= F_WANT;
			initial = false;
		} else if (unsub_table_at(T_NEG, s, j, &je, NULL) ||
		           unsub_table_at(T_HYPO, s, j, &je, NULL)) {
			return false;
		} else if (unsub_table_at(T_OPENER, s, j, &je, NULL)) {
			;
		} else {
			initial = false;
			je = j + 1;
		}
		j = je > j ? je : j + 1;
	}
	/* after the phrase: please words, wishes and polite questions of the verb-final languages,
	 * negation and hypotheticals placed after the verb */
	size_t stop = ce < e + UNSUB_AFTER_MAX ? ce : e + UNSUB_AFTER_MAX;
	for (size_t j = k; j < stop;) {
		size_t je;
		if (unsub_table_at(T_AFTER, s, j, &je, NULL)) {
			have |= F_WANT | F_POLITE;
		} else if (j >= e && (unsub_table_at(T_PLEASE, s, j, &je, NULL) ||
		                      unsub_table_at(T_POLITE_COND, s, j, &je, NULL))) {
			have |= F_PLEASE;
		} else if (j >= e && (unsub_table_at(T_POST_NEG, s, j, &je, NULL) ||
		                      unsub_table_at(T_POST_HYPO, s, j, &je, NULL))) {
			return false;
		} else {
			je = j + 1;
		}
		j = je > j ? je : j + 1;
	}
	/* the weakest frame, a bare command, only in a sentence free of a footer's words
	 * ("Unsubscribe | Manage preferences") */
	if (initial && !unsub_has_footer(s) && !unsub_clause_starts_with(s, T_PURPOSE_WEAK))
		have |= F_INITIAL;
	/* a question asks only politely */
	if (s->question_at[ec] && !(have & (F_POLITE | F_PLEASE)))
		return false;
	/* someone else as the object: "unsubscribe my colleague", "remove him" */
	if (frame != FR_REQUEST && e < s->w.n && !s->hard[e]) {
		size_t j = e;
		while (j < s->w.n && j < e + UNSUB_FILLERS_MAX && unsub_in_table_word(T_FILLER, s, j))
			j++;
		for (size_t i = 0; j < s->w.n && i < unsub_classes[CLS_THEM].n; i++) {
			size_t x;
			if (unsub_match_from(&unsub_classes[CLS_THEM].p[i], 0, s, j, j, false, &x))
				return false;
		}
		for (size_t i = 0; j < s->w.n && i < unsub_classes[CLS_POSS].n; i++) {
			size_t x;
			if (!unsub_match_from(&unsub_classes[CLS_POSS].p[i], 0, s, j, j, false, &x))
				continue;
			bool self = x >= s->w.n;
			for (size_t a = 0; !self && a < unsub_classes[CLS_ADDR].n; a++) {
				size_t y;
				self = unsub_match_from(&unsub_classes[CLS_ADDR].p[a], 0, s, x, x, false, &y);
			}
			for (size_t a = 0; !self && a < unsub_classes[CLS_LIST].n; a++) {
				size_t y;
				self = unsub_match_from(&unsub_classes[CLS_LIST].p[a], 0, s, x, x, false, &y);
			}
			if (!self)
				return false;
		}
	}
	if (frame == FR_REQUEST || (have & frame & ~F_INITIAL))
		return R_YES;
	return (have & frame) ? R_BARE : R_NO;
}

/* The best reading of any phrase of the sentence.  Most sentences hold no request phrase at all,
 * so the condition is looked for only once one is found. */
static enum unsub_reading unsub_sentence(const struct unsub_sent *s)
{
	enum unsub_reading best = R_NO;
	int cond = -1; /* not looked for yet */
	for (size_t k = 0; best != R_YES && k < s->w.n; k++) {
		for (size_t t = 0;
		     best != R_YES && t < sizeof unsub_request_tables / sizeof unsub_request_tables[0]; t++) {
			const struct unsub_table *tab = &unsub_tables[unsub_request_tables[t]];
			struct unsub_cands c;
			unsub_cands_init(&c, tab, s, k);
			for (const struct unsub_phrase *p; best != R_YES && (p = unsub_cands_next(&c));) {
				size_t e;
				if (!unsub_match_from(p, 0, s, k, k, true, &e) || e <= k)
					continue;
				if (cond < 0)
					cond = unsub_has_condition(s);
				if (cond)
					return R_NO;
				enum unsub_reading r = unsub_is_request(s, k, e, tab->frame);
				if (r > best)
					best = r;
			}
		}
	}
	return best;
}

/* The sentence at text[start..start+len), read; *footer (when asked) whether it has a footer's
 * words. */
static enum unsub_reading unsub_read_sentence(const char *text, size_t len, bool *footer)
{
	struct unsub_sent s;
	unsub_sent_words(&s, text, len);
	if (!footer && !unsub_may_request(&s.w)) {
		unsub_sent_free(&s);
		return R_NO;
	}
	unsub_sent_clauses(&s);
	enum unsub_reading r = unsub_sentence(&s);
	if (footer)
		*footer = unsub_has_footer(&s);
	unsub_sent_free(&s);
	return r;
}

bool nl_unsubscribe_request(const char *text, size_t len, char **sentence)
{
	if (sentence)
		*sentence = NULL;
	if (!text)
		return false;
	unsub_build_all();
	if (len > UNSUB_SCAN_MAX)
		len = UNSUB_SCAN_MAX;
	/* a bare command ("Unsubscribe") next to a sentence with a footer's words is the footer's link
	 * text: it counts only when neither the sentence before nor the one after has them */
	size_t pos = 0, start, slen, prev_start = 0, prev_len = 0;
	bool have_prev = false, bare_pending = false;
	size_t bare_start = 0, bare_len = 0;
	while (nl_text_sentence(text, len, &pos, &start, &slen)) {
		if (slen == 0)
			continue;
		bool footer = false;
		/* whether a sentence has a footer's words matters only next to a bare command */
		enum unsub_reading r = unsub_read_sentence(text + start, slen, bare_pending ? &footer : NULL);
		if (bare_pending && !footer)
			break; /* the bare command stands */
		bare_pending = false;
		bool prev_footer = false;
		if (r == R_BARE && have_prev)
			unsub_read_sentence(text + prev_start, prev_len, &prev_footer);
		if (r == R_YES || (r == R_BARE && !prev_footer)) {
			bare_start = start;
			bare_len = slen;
			if (r == R_YES)
				goto found;
			bare_pending = true;
		}
		prev_start = start;
		prev_len = slen;
		have_prev = true;
	}
	if (!bare_pending)
		return false;
found:
	if (sentence)
		*sentence = nl_xstrndup(text + bare_start, bare_len);
	return true;
}
