/* lexicon.c - the words replies use, in twelve languages (lexicon.h).
 *
 * The lists are written as people write the words, accents and capitals included, one language to
 * a line; they are folded once, on first use, with nl_text_words, so a phrase matches whatever the
 * case, accents and typography of the reply.  A phrase is a sequence of words; in the scripts that
 * have no spaces (Japanese) each character is a word, so a phrase there matches as a substring.
 * Order: en fr de es pt it nl pl ru uk tr ja.
 */
#include "lexicon.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const lex_yes[] = {
    "yes",
    "yeah",
    "yep",
    "yup",
    "sure",
    "absolutely",
    "definitely",
    "of course",
    "please do",
    "why not",
    "count me in",
    "i'm in",
    "sounds good",
    "gladly",
    "ok",
    "okay",
    "y",
    "no doubt",
    "without a doubt",
    "no question",
    "sans aucun doute",
    "ohne zweifel",
    "sin duda",
    "sem dúvida",
    "senza dubbio",
    "zonder twijfel",
    "bez wątpienia",
    "без сомнения",
    "без сумніву",
    "şüphesiz",
    "間違いなく",
    "залюбки",
    "із радістю",
    "охоче",
    "охотно",
    "с радостью",
    "z przyjemnością",
    "met plezier",
    "con piacere",
    "com prazer",
    "mit vergnügen",
    "avec joie",
    "seve seve",
    "喜んで",
    "oui",
    "ouais",
    "volontiers",
    "bien sûr",
    "avec plaisir",
    "carrément",
    "absolument",
    "ja",
    "jawohl",
    "gerne",
    "gern",
    "klar",
    "natürlich",
    "sicher",
    "auf jeden fall",
    "sí",
    "si",
    "claro",
    "por supuesto",
    "desde luego",
    "con gusto",
    "vale",
    "sim",
    "claro que sim",
    "com certeza",
    "pode ser",
    "certo",
    "certamente",
    "volentieri",
    "assolutamente",
    "ja graag",
    "graag",
    "zeker",
    "natuurlijk",
    "jazeker",
    "tak",
    "jasne",
    "oczywiście",
    "chętnie",
    "pewnie",
    "да",
    "конечно",
    "ага",
    "с удовольствием",
    "разумеется",
    "так",
    "звісно",
    "звичайно",
    "авжеж",
    "із задоволенням",
    "evet",
    "tabii",
    "tabii ki",
    "elbette",
    "memnuniyetle",
    "olur",
    "はい",
    "ええ",
    "ぜひ",
    "是非",
    "お願いします",
    "もちろん",
};

static const char *const lex_no[] = {
    "no",
    "nope",
    "nah",
    "no thanks",
    "no thank you",
    "not interested",
    "not really",
    "n",
    "non",
    "non merci",
    "pas vraiment",
    "pas intéressé",
    "pas intéressée",
    "nein",
    "nein danke",
    "nee",
    "eher nicht",
    "kein interesse",
    "no gracias",
    "para nada",
    "não",
    "nao",
    "não obrigado",
    "não obrigada",
    "no grazie",
    "per niente",
    "nee dank je",
    "nee bedankt",
    "neen",
    "nie",
    "nie dziękuję",
    "raczej nie",
    "нет",
    "нет спасибо",
    "не надо",
    "не нужно",
    "ні",
    "ні дякую",
    "не треба",
    "не потрібно",
    "hayır",
    "hayir",
    "yok",
    "gerek yok",
    "istemiyorum",
    "いいえ",
    "いや",
    "結構です",
    "けっこうです",
    "大丈夫です",
    "不要です",
    "要りません",
};

/* Words that turn what follows (or, for some, what precedes) into its opposite. */
static const char *const lex_negation[] = {
    "not",       "don't",       "dont",    "do not", "doesn't", "didn't",  "won't",     "wouldn't",
    "isn't",     "aren't",      "no need", "never",  "neither", "nor",     "without",   "no longer",
    "not a",     "nothing",     "ne",      "n'",     "pas",     "plus",    "jamais",    "sans",
    "ni",        "aucun",       "aucune",  "pas de", "nicht",   "kein",    "keine",     "keinen",
    "keiner",    "nie",         "niemals", "ohne",   "weder",   "nunca",   "jamás",     "sin",
    "ningún",    "ninguna",     "tampoco", "não",    "nao",     "nem",     "nenhum",    "nenhuma",
    "sem",       "jamais",      "non",     "mai",    "senza",   "nessun",  "nessuna",   "né",
    "niet",      "geen",        "nooit",   "zonder", "nie",     "bez",     "żaden",     "żadna",
    "ani",       "не",          "нет",     "ни",     "без",     "никогда", "нисколько", "не",
    "ні",        "без",         "ніколи",  "değil",  "degil",   "yok",     "hiç",       "asla",
    "gerek yok", "istemiyorum", "istemem", "rien",   "nichts",  "nada",    "niente",    "nulla",
    "niets",     "nic",         "ничего",  "нічого", "ない",    "ません",  "いらない",  "不要",
    "結構",
};

static const char *const lex_hedge[] = {
    "maybe",
    "perhaps",
    "possibly",
    "might",
    "depends",
    "it depends",
    "not sure",
    "unsure",
    "i guess",
    "doubt",
    "i doubt",
    "doubtful",
    "je doute",
    "ich bezweifle",
    "dudo",
    "duvido",
    "dubito",
    "ik betwijfel",
    "wątpię",
    "сомневаюсь",
    "сумніваюся",
    "şüpheliyim",
    "we'll see",
    "probably",
    "could be",
    "hard to say",
    "kind of",
    "sort of",
    "i don't know",
    "dunno",
    "peut-être",
    "peut etre",
    "ça dépend",
    "ca depend",
    "pas sûr",
    "pas sûre",
    "je ne sais pas",
    "probablement",
    "vielleicht",
    "kommt darauf an",
    "kommt drauf an",
    "weiß nicht",
    "nicht sicher",
    "eventuell",
    "wahrscheinlich",
    "quizás",
    "quizá",
    "tal vez",
    "a lo mejor",
    "depende",
    "no sé",
    "no estoy seguro",
    "no estoy segura",
    "talvez",
    "depende",
    "não sei",
    "não tenho certeza",
    "provavelmente",
    "forse",
    "dipende",
    "non so",
    "non sono sicuro",
    "non sono sicura",
    "probabilmente",
    "misschien",
    "hangt ervan af",
    "weet niet",
    "weet ik niet",
    "niet zeker",
    "wellicht",
    "może",
    "zależy",
    "to zależy",
    "nie wiem",
    "nie jestem pewien",
    "nie jestem pewna",
    "chyba",
    "может быть",
    "может",
    "возможно",
    "зависит",
    "не знаю",
    "не уверен",
    "не уверена",
    "наверное",
    "можливо",
    "може",
    "залежить",
    "не знаю",
    "не впевнений",
    "не впевнена",
    "мабуть",
    "belki",
    "duruma göre",
    "bilmiyorum",
    "emin değilim",
    "galiba",
    "sanırım",
    "たぶん",
    "多分",
    "かもしれ",
    "わからない",
    "分からない",
    "わかりません",
    "分かりません",
    "未定",
};

static const char *const lex_later[] = {
    "later",
    "not now",
    "not right now",
    "not yet",
    "next year",
    "next month",
    "some other time",
    "another time",
    "in a few months",
    "down the road",
    "at the moment",
    "for now",
    "plus tard",
    "pas maintenant",
    "pas pour l'instant",
    "pas encore",
    "l'année prochaine",
    "später",
    "nicht jetzt",
    "jetzt nicht",
    "noch nicht",
    "nächstes jahr",
    "im moment nicht",
    "más tarde",
    "ahora no",
    "todavía no",
    "aún no",
    "el año que viene",
    "el próximo año",
    "mais tarde",
    "agora não",
    "ainda não",
    "ano que vem",
    "no próximo ano",
    "più tardi",
    "non ora",
    "non adesso",
    "non ancora",
    "l'anno prossimo",
    "later",
    "nu niet",
    "nog niet",
    "volgend jaar",
    "później",
    "nie teraz",
    "jeszcze nie",
    "w przyszłym roku",
    "позже",
    "потом",
    "не сейчас",
    "пока нет",
    "в следующем году",
    "пізніше",
    "потім",
    "не зараз",
    "поки що ні",
    "наступного року",
    "sonra",
    "daha sonra",
    "şimdi değil",
    "henüz değil",
    "seneye",
    "gelecek yıl",
    "後で",
    "あとで",
    "今は",
    "また今度",
    "来年",
};

/* Being contacted: the nouns and verbs of a call, a chat, a meeting, a consultation. */
/* Hortatives: "let's talk" in one word is both the call (lex_contact) and the wish for it
 * (lex_want). */
#define LEX_HORTATIVES \
    "parlons", \
    "parlons-en", \
    "appelons-nous", \
    "hablemos", \
    "llamémonos", \
    "conversemos", \
    "falemos", \
    "parliamone", \
    "sentiamoci", \
    "porozmawiajmy", \
    "zdzwońmy się", \
    "созвонимся", \
    "поговорим", \
    "созвонимося", \
    "поговоримо", \
    "görüşelim", \
    "konuşalım", \
    "telefonlaşalım"

static const char *const lex_contact[] = {
    "call",
    "phone call",
    "a call",
    "chat",
    "talk",
    "speak",
    "meet",
    "meeting",
    "consultation",
    "consult",
    "session",
    "conversation",
    "get in touch",
    "reach out",
    "contact me",
    "zoom",
    "appointment",
    "book a",
    "schedule",
    "coaching session",
    "catch up",
    "video call",
    "ring",
    "a ring",
    "give me a ring",
    "ring me",
    "phone me",
    "call me",
    "buzz me",
    "hop on a call",
    "appel",
    "appeler",
    "m'appeler",
    "consultation",
    "rendez-vous",
    "discuter",
    "parler",
    "échanger",
    "entretien",
    "rencontre",
    "contactez-moi",
    "me contacter",
    "séance",
    "gespräch",
    "anruf",
    "anrufen",
    "telefonat",
    "telefonieren",
    "beratung",
    "termin",
    "sprechen",
    "treffen",
    "kontaktieren",
    "melden sie sich",
    "austausch",
    "llamada",
    "llamar",
    "llamarme",
    "consulta",
    "hablar",
    "charla",
    "reunión",
    "cita",
    "contactarme",
    "sesión",
    "conversar",
    "chamada",
    "ligação",
    "ligar",
    "me ligar",
    "consulta",
    "conversa",
    "conversar",
    "falar",
    "reunião",
    "sessão",
    "contato",
    "contacto",
    "chiamata",
    "telefonata",
    "chiamare",
    "chiamarmi",
    "consulenza",
    "parlare",
    "chiacchierata",
    "incontro",
    "appuntamento",
    "sentirci",
    "colloquio",
    "gesprek",
    "gesprekje",
    "bellen",
    "telefoontje",
    "afspraak",
    "consult",
    "praten",
    "spreken",
    "kennismaking",
    "kennismakingsgesprek",
    "sessie",
    "rozmowa",
    "rozmowę",
    "rozmowy",
    "porozmawiać",
    "zadzwonić",
    "telefon",
    "konsultacja",
    "konsultację",
    "konsultacji",
    "spotkanie",
    "spotkania",
    "звонок",
    "созвониться",
    "позвонить",
    "консультация",
    "консультацию",
    "консультации",
    "поговорить",
    "встреча",
    "встречу",
    "разговор",
    "беседа",
    "связаться",
    "дзвінок",
    "зателефонувати",
    "консультація",
    "консультацію",
    "консультації",
    "поговорити",
    "зустріч",
    "розмова",
    "розмову",
    "зв'язатися",
    "созвонитися",
    "görüşme",
    "görüşmek",
    "görüşmeyi",
    "arama",
    "aramak",
    "beni arayın",
    "konuşmak",
    "konuşalım",
    "danışmanlık",
    "randevu",
    "toplantı",
    "seans",
    LEX_HORTATIVES,
    "電話",
    "通話",
    "相談",
    "面談",
    "お話",
    "話したい",
    "話をしたい",
    "ミーティング",
    "打ち合わせ",
    "カウンセリング",
    "コンサル",
    "セッション",
    "連絡",
};

/* Wanting something: what turns a mention of a call into a request for one. */
static const char *const lex_want[] = {
    "i'd like",
    "i would like",
    "i'd love",
    "i would love",
    "i want",
    "i'd appreciate",
    "please",
    "i'm interested",
    "i am interested",
    "interested in",
    "happy to",
    "keen",
    "let's",
    "let us",
    "can we",
    "could we",
    "can you",
    "could you",
    "would be great",
    "would be nice",
    "would love",
    "love to",
    "like to",
    "up for",
    "sign me up",
    "i need",
    "would appreciate",
    "like",
    "love",
    "want",
    "wish",
    "appreciate",
    "interested",
    "glad",
    "when are you free",
    "are you free",
    "are you available",
    "give me",
    "let me know",
    "send me",
    "ring me",
    "call me",
    "get back to me",
    "reach me",
    "would help",
    "seria ótimo",
    "seria ótima",
    "seria bom",
    "seria legal",
    "sería genial",
    "sería estupendo",
    "sería útil",
    "serait super",
    "serait génial",
    "serait bien",
    "serait utile",
    "m'aiderait",
    "wäre super",
    "wäre gut",
    "wäre nett",
    "wäre hilfreich",
    "würde helfen",
    "sarebbe ottimo",
    "sarebbe bello",
    "sarebbe utile",
    "mi aiuterebbe",
    "mi servirebbe",
    "zou mooi zijn",
    "zou helpen",
    "byłoby super",
    "byłoby świetnie",
    "pomogłoby",
    "было бы здорово",
    "было бы отлично",
    "было бы кстати",
    "помогло бы",
    "було б чудово",
    "було б добре",
    "було б доречно",
    "допомогло б",
    "harika olur",
    "iyi olur",
    "yardımcı olur",
    "嬉しい",
    "助かります",
    "助かる",
    "pourriez-vous",
    "pouvez-vous",
    "könnten sie",
    "können sie",
    "podría",
    "podrías",
    "poderia",
    "potrebbe",
    "potresti",
    "kunt u",
    "zou u",
    "czy może pan",
    "czy może pani",
    "могли бы",
    "можете",
    "могли б",
    "arayabilir misiniz",
    "いただけますか",
    "me ayudaría",
    "me ajudaria",
    "would be useful",
    "would be helpful",
    "when can we",
    "when could we",
    "take you up on",
    "book",
    "i'll take",
    "shall we",
    "shall i",
    "how about",
    "can i",
    "could i",
    "may i",
    "je voudrais",
    "j'aimerais",
    "je veux",
    "je souhaite",
    "je souhaiterais",
    "volontiers",
    "s'il vous plaît",
    "s'il te plaît",
    "svp",
    "ça m'intéresse",
    "intéressé",
    "intéressée",
    "pourrait-on",
    "pouvons-nous",
    "avec plaisir",
    "j'adorerais",
    "je serais ravi",
    "je serais ravie",
    "ich möchte",
    "ich würde gern",
    "ich würde gerne",
    "ich hätte gern",
    "ich hätte gerne",
    "gerne",
    "bitte",
    "ich will",
    "interesse",
    "können wir",
    "wäre schön",
    "wäre toll",
    "ich freue mich",
    "me gustaría",
    "quiero",
    "quisiera",
    "me encantaría",
    "por favor",
    "me interesa",
    "podemos",
    "podríamos",
    "con gusto",
    "eu gostaria",
    "gostaria",
    "quero",
    "queria",
    "adoraria",
    "por favor",
    "tenho interesse",
    "podemos",
    "podíamos",
    "vorrei",
    "voglio",
    "mi piacerebbe",
    "per favore",
    "per piacere",
    "mi interessa",
    "possiamo",
    "potremmo",
    "volentieri",
    "ik wil",
    "ik zou graag",
    "graag",
    "alsjeblieft",
    "alstublieft",
    "ik heb interesse",
    "kunnen we",
    "zou fijn zijn",
    "lijkt me leuk",
    "chciałbym",
    "chciałabym",
    "chcę",
    "poproszę",
    "proszę",
    "chętnie",
    "jestem zainteresowany",
    "jestem zainteresowana",
    "możemy",
    "moglibyśmy",
    "хочу",
    "хотел бы",
    "хотела бы",
    "хотелось бы",
    "пожалуйста",
    "интересно",
    "давайте",
    "можем",
    "буду рад",
    "буду рада",
    "с удовольствием",
    "хочу",
    "хотів би",
    "хотіла б",
    "хотілося б",
    "будь ласка",
    "цікаво",
    "давайте",
    "можемо",
    "буду радий",
    "буду рада",
    "із задоволенням",
    "istiyorum",
    "isterim",
    "isterdim",
    "lütfen",
    "ilgileniyorum",
    "memnuniyetle",
    "olabilir mi",
    LEX_HORTATIVES,
    "お願い",
    "したい",
    "たい",
    "希望",
    "ぜひ",
    "是非",
    "興味があります",
    "いただけ",
};

static const char *const lex_thanks[] = {
    "thanks",
    "thank you",
    "thank",
    "thx",
    "cheers",
    "hi",
    "hello",
    "hey",
    "dear",
    "best",
    "regards",
    "kind regards",
    "best regards",
    "warm regards",
    "all the best",
    "great article",
    "great read",
    "love it",
    "loved it",
    "nice",
    "good",
    "great",
    "awesome",
    "wonderful",
    "sincerely",
    "yours",
    "ttyl",
    "see you",
    "take care",
    "talk soon",
    "have a nice day",
    "have a great day",
    "many thanks",
    "merci",
    "merci beaucoup",
    "bonjour",
    "salut",
    "cordialement",
    "bien à vous",
    "amitiés",
    "bonne journée",
    "danke",
    "vielen dank",
    "danke schön",
    "hallo",
    "liebe grüße",
    "viele grüße",
    "grüße",
    "beste grüße",
    "mit freundlichen grüßen",
    "lg",
    "vg",
    "schönen tag",
    "gracias",
    "muchas gracias",
    "hola",
    "saludos",
    "un saludo",
    "abrazos",
    "un abrazo",
    "buen día",
    "obrigado",
    "obrigada",
    "muito obrigado",
    "muito obrigada",
    "olá",
    "ola",
    "abraços",
    "abraço",
    "cumprimentos",
    "atenciosamente",
    "bom dia",
    "grazie",
    "grazie mille",
    "ciao",
    "salve",
    "saluti",
    "cordiali saluti",
    "buongiorno",
    "un abbraccio",
    "dank",
    "dank je",
    "dank je wel",
    "dank u",
    "bedankt",
    "hoi",
    "hallo",
    "groeten",
    "groetjes",
    "met vriendelijke groet",
    "dzięki",
    "dziękuję",
    "dziękuje",
    "cześć",
    "dzień dobry",
    "pozdrawiam",
    "pozdrowienia",
    "serdecznie",
    "спасибо",
    "спасибо большое",
    "привет",
    "здравствуйте",
    "с уважением",
    "всего доброго",
    "всего хорошего",
    "дякую",
    "дуже дякую",
    "привіт",
    "вітаю",
    "добрий день",
    "з повагою",
    "teşekkürler",
    "teşekkür ederim",
    "sağol",
    "sağolun",
    "merhaba",
    "selam",
    "saygılarımla",
    "iyi günler",
    "ありがとう",
    "ありがとうございます",
    "よろしく",
    "宜しく",
    "こんにちは",
    "お疲れ様",
    "拝啓",
    "敬具",
};

/* Units and counts: a number followed by one of these is a quantity, not a rating. */
static const char *const lex_unit[] = {
    "year",     "years",     "yr",        "yrs",      "month",     "months",     "week",     "weeks",
    "day",      "days",      "hour",      "hours",    "hr",        "hrs",        "minute",   "minutes",
    "min",      "mins",      "kid",       "kids",     "child",     "children",   "people",   "person",
    "times",    "time",      "k",         "%",        "percent",   "euros",      "dollars",  "usd",
    "eur",      "am",        "pm",        "jobs",     "employees", "colleagues", "reports",  "projects",
    "meetings", "books",     "st",        "nd",       "rd",        "th",         "star",     "stars",
    "étoiles",  "sterne",    "estrellas", "estrelas", "stelle",    "sterren",    "gwiazdek", "звёзд",
    "звезд",    "зірок",     "yıldız",    "points",   "pts",       "steps",      "x",        "an",
    "ans",      "année",     "années",    "mois",     "semaines",  "jours",      "heures",   "enfants",
    "fois",     "personnes", "jahr",      "jahre",    "jahren",    "monate",     "monaten",  "wochen",
    "tage",     "tagen",     "stunden",   "kinder",   "mal",       "año",        "años",     "meses",
    "semanas",  "días",      "horas",     "hijos",    "veces",     "personas",   "ano",      "anos",
    "meses",    "semanas",   "dias",      "horas",    "filhos",    "vezes",      "pessoas",  "anno",
    "anni",     "mesi",      "settimane", "giorni",   "ore",       "figli",      "volte",    "persone",
    "jaar",     "jaren",     "maanden",   "weken",    "dagen",     "uur",        "uren",     "kinderen",
    "keer",     "mensen",    "rok",       "lata",     "lat",       "miesiące",   "miesięcy", "tygodni",
    "dni",      "godzin",    "godziny",   "dzieci",   "razy",      "osób",       "год",      "года",
    "лет",      "месяц",     "месяца",    "месяцев",  "недель",    "дней",       "часов",    "часа",
    "детей",    "раз",       "раза",      "человек",  "рік",       "роки",       "років",    "місяців",
    "тижнів",   "днів",      "годин",     "дітей",    "разів",     "людей",      "yıl",      "yil",
    "yıldır",   "ay",        "aydır",     "hafta",    "gün",       "saat",       "çocuk",    "kez",
    "kere",     "kişi",      "年",        "ヶ月",     "か月",      "カ月",       "週間",     "日",
    "時間",     "人",        "回",        "歳",       "才",
};

static const char *const lex_articles[] = {
    "a",   "an",  "the", "le",   "la",    "les", "l'",  "un",  "une", "des",  "du",   "der",
    "die", "das", "ein", "eine", "einen", "el",  "los", "las", "una", "unos", "unas", "o",
    "os",  "as",  "um",  "uma",  "il",    "lo",  "gli", "i",   "uno", "de",   "het",  "een",
};

static const struct {
	const char *word;
	int value;
} lex_numbers[] = {
    {"zero", 0},    {"one", 1},      {"two", 2},       {"three", 3},   {"four", 4},   {"five", 5},
    {"six", 6},     {"seven", 7},    {"eight", 8},     {"nine", 9},    {"ten", 10},   {"zéro", 0},
    {"un", 1},      {"une", 1},      {"deux", 2},      {"trois", 3},   {"quatre", 4}, {"cinq", 5},
    {"sept", 7},    {"huit", 8},     {"neuf", 9},      {"dix", 10},    {"null", 0},   {"eins", 1},
    {"zwei", 2},    {"drei", 3},     {"vier", 4},      {"fünf", 5},    {"sechs", 6},  {"sieben", 7},
    {"acht", 8},    {"neun", 9},     {"zehn", 10},     {"cero", 0},    {"uno", 1},    {"dos", 2},
    {"tres", 3},    {"cuatro", 4},   {"cinco", 5},     {"seis", 6},    {"siete", 7},  {"ocho", 8},
    {"nueve", 9},   {"diez", 10},    {"um", 1},        {"dois", 2},    {"duas", 2},   {"três", 3},
    {"quatro", 4},  {"sete", 7},     {"oito", 8},      {"nove", 9},    {"dez", 10},   {"due", 2},
    {"tre", 3},     {"quattro", 4},  {"sei", 6},       {"sette", 7},   {"otto", 8},   {"dieci", 10},
    {"nul", 0},     {"een", 1},      {"twee", 2},      {"drie", 3},    {"vijf", 5},   {"zes", 6},
    {"zeven", 7},   {"negen", 9},    {"tien", 10},     {"jeden", 1},   {"jedna", 1},  {"dwa", 2},
    {"dwie", 2},    {"trzy", 3},     {"cztery", 4},    {"pięć", 5},    {"sześć", 6},  {"siedem", 7},
    {"osiem", 8},   {"dziewięć", 9}, {"dziesięć", 10}, {"ноль", 0},    {"один", 1},   {"одна", 1},
    {"два", 2},     {"две", 2},      {"три", 3},       {"четыре", 4},  {"пять", 5},   {"шесть", 6},
    {"семь", 7},    {"восемь", 8},   {"девять", 9},    {"десять", 10}, {"нуль", 0},   {"одна", 1},
    {"дві", 2},     {"чотири", 4},   {"п'ять", 5},     {"шість", 6},   {"сім", 7},    {"вісім", 8},
    {"дев'ять", 9}, {"десять", 10},  {"sıfır", 0},     {"bir", 1},     {"iki", 2},    {"üç", 3},
    {"dört", 4},    {"beş", 5},      {"altı", 6},      {"yedi", 7},    {"sekiz", 8},  {"dokuz", 9},
    {"一", 1},      {"二", 2},       {"三", 3},        {"四", 4},      {"五", 5},     {"六", 6},
    {"七", 7},      {"八", 8},       {"九", 9},        {"十", 10},
};

/* ---- folded tables, built on first use ---- */

struct lex_phrase {
	char *folded; /* the phrase's folded words, each NUL-terminated, one after the other */
	size_t n_words;
	size_t *lens; /* length of each word */
};

struct lex_table {
	const char *const *src;
	size_t n;
	struct lex_phrase *phrases;
	bool built;
};

#define LEX_TABLE(arr)                                                                                       \
	{                                                                                                    \
		arr, sizeof arr / sizeof arr[0], NULL, false                                                 \
	}

static struct lex_table lex_tables[] = {
    [NL_LEX_YES] = LEX_TABLE(lex_yes),           [NL_LEX_NO] = LEX_TABLE(lex_no),
    [NL_LEX_NEGATION] = LEX_TABLE(lex_negation), [NL_LEX_HEDGE] = LEX_TABLE(lex_hedge),
    [NL_LEX_LATER] = LEX_TABLE(lex_later),       [NL_LEX_CONTACT] = LEX_TABLE(lex_contact),
    [NL_LEX_WANT] = LEX_TABLE(lex_want),         [NL_LEX_THANKS] = LEX_TABLE(lex_thanks),
    [NL_LEX_UNIT] = LEX_TABLE(lex_unit),
};
static struct lex_table lex_article_table = LEX_TABLE(lex_articles);

static void lex_build(struct lex_table *t)
{
	if (t->built)
		return;
	t->built = true;
	t->phrases = nl_xcalloc(t->n, sizeof *t->phrases);
	for (size_t i = 0; i < t->n; i++) {
		struct nl_text_words w;
		nl_text_words(t->src[i], strlen(t->src[i]), 0, &w);
		struct lex_phrase *p = &t->phrases[i];
		size_t total = 0;
		for (size_t k = 0; k < w.n; k++)
			total += w.w[k].len + 1;
		p->folded = nl_xmalloc(total ? total : 1);
		p->lens = nl_xcalloc(w.n ? w.n : 1, sizeof *p->lens);
		p->n_words = w.n;
		size_t at = 0;
		for (size_t k = 0; k < w.n; k++) {
			memcpy(p->folded + at, w.folded + w.w[k].off, w.w[k].len);
			p->folded[at + w.w[k].len] = 0;
			p->lens[k] = w.w[k].len;
			at += w.w[k].len + 1;
		}
		nl_text_words_free(&w);
	}
}

/* True when the phrase matches words[at..]; the longest phrase wins in the callers. */
static bool lex_phrase_at(const struct lex_phrase *p, const struct nl_text_words *words, size_t at)
{
	if (p->n_words == 0 || at + p->n_words > words->n)
		return false;
	const char *pw = p->folded;
	for (size_t k = 0; k < p->n_words; k++) {
		const struct nl_text_word *w = &words->w[at + k];
		/* in the scripts without spaces, a phrase may be part of a longer run: only its own
		 * characters must match */
		if (w->len != p->lens[k] || memcmp(words->folded + w->off, pw, w->len) != 0)
			return false;
		pw += p->lens[k] + 1;
	}
	return true;
}

/* A word that holds a single-word phrase of five characters or more at its start or its end:
 * inflected ("консультацию") and compound ("Beratungsgespräch") forms of the words for being
 * contacted.  A phrase of seven characters or more also matches a word that shares all but its
 * last four characters and at least six: the endings of Slavic verbs ("созвониться" /
 * "созвонимся") and Turkish consonant softening before a suffix ("danışmanlık" / "danışmanlığı"). */
static bool lex_word_holds(const struct lex_phrase *p, const struct nl_text_words *words, size_t at)
{
	if (p->n_words != 1 || p->lens[0] < 5)
		return false;
	const struct nl_text_word *w = &words->w[at];
	if (w->cls != NL_CHAR_LETTER)
		return false;
	const char *s = words->folded + w->off;
	size_t n = p->lens[0], chars = 0;
	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)p->folded[i] & 0xC0) != 0x80;
	if (chars < 5)
		return false;
	if (w->len > n && (memcmp(s, p->folded, n) == 0 || memcmp(s + w->len - n, p->folded, n) == 0))
		return true;
	size_t need = chars >= 10 ? chars - 4 : 6;
	return chars >= 7 && nl_text_common_prefix(s, w->len, p->folded, n) >= need;
}

static bool lex_table_match(struct lex_table *t, const struct nl_text_words *words, size_t at,
                            size_t *n_words)
{
	lex_build(t);
	size_t best = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->phrases[i].n_words > best && lex_phrase_at(&t->phrases[i], words, at))
			best = t->phrases[i].n_words;
	if (!best && t == &lex_tables[NL_LEX_CONTACT])
		for (size_t i = 0; i < t->n && !best; i++)
			if (lex_word_holds(&t->phrases[i], words, at))
				best = 1;
	if (n_words)
		*n_words = best;
	return best > 0;
}

bool nl_lexicon_match(enum nl_lex_kind kind, const struct nl_text_words *words, size_t at, size_t *n_words)
{
	if ((size_t)kind >= sizeof lex_tables / sizeof lex_tables[0] || !lex_tables[kind].src)
		return false;
	return lex_table_match(&lex_tables[kind], words, at, n_words);
}

bool nl_lexicon_has(enum nl_lex_kind kind, const char *folded, size_t len)
{
	struct nl_text_words w;
	nl_text_words(folded, len, 0, &w);
	bool found = false;
	for (size_t i = 0; i < w.n && !found; i++)
		found = nl_lexicon_match(kind, &w, i, NULL);
	nl_text_words_free(&w);
	return found;
}

bool nl_lexicon_contact_question(const char *text)
{
	return text && nl_lexicon_has(NL_LEX_CONTACT, text, strlen(text));
}

bool nl_lexicon_article(const char *word, size_t len)
{
	struct lex_table *t = &lex_article_table;
	lex_build(t);
	for (size_t i = 0; i < t->n; i++)
		if (t->phrases[i].n_words == 1 && t->phrases[i].lens[0] == len &&
		    memcmp(t->phrases[i].folded, word, len) == 0)
			return true;
	return false;
}

static char **lex_number_words;
static size_t *lex_number_lens;

int nl_lexicon_number(const char *word, size_t len)
{
	size_t n = sizeof lex_numbers / sizeof lex_numbers[0];
	if (!lex_number_words) {
		lex_number_words = nl_xcalloc(n, sizeof *lex_number_words);
		lex_number_lens = nl_xcalloc(n, sizeof *lex_number_lens);
		for (size_t i = 0; i < n; i++)
			lex_number_words[i] = nl_text_fold(lex_numbers[i].word, strlen(lex_numbers[i].word),
			                                   &lex_number_lens[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (lex_number_lens[i] == len && memcmp(lex_number_words[i], word, len) == 0)
			return lex_numbers[i].value;
	return -1;
}
