#!/usr/bin/python3
# make_set.py - writes the labelled set of prose replies (issue 12): replies to two surveys, written
# the way readers answer a survey email in their own words, in twelve languages and in the shapes
# real mail clients produce, and labels.tsv, the careful human's reading of each (README.md).
# The .eml files and labels.tsv are committed; run this only to change them:
#   /usr/bin/python3 tests/data/prose/make_set.py
# The replies themselves (REPLIES below, in replies_*.py) are the data; this file only dresses them
# in headers, quotes and encodings.
import base64, hashlib, html, os, quopri, textwrap
from email.header import Header

OUT = os.path.dirname(os.path.abspath(__file__))
COACH = 'Career Coach'

# ---- the two surveys as their newsletters showed them (the composer's text, compose.c) ----

SURVEYS = {
    'a': dict(
        campaign='career-2026-11',
        subject='Job or career: which one are you in?',
        title='Job or career? How to tell which one you have',
        intro=['Most people use the words "job" and "career" as if they meant the same',
               "thing. They don't, and the difference matters more than it seems."],
        example='1 career, 2 4, 3 yes',
        questions=[('Is your work today a job or a career?', 'choice', ['job', 'career', 'not sure']),
                   ('How satisfied are you with where it is heading?', 'scale', (1, 5)),
                   ('Would you like a free 15-minute consultation?', 'yesno', None),
                   ('What one thing would you change about your work?', 'text', None)],
        ids=['work', 'satisfaction', 'consult', 'change'],
        follow_up='consult',
        sent=('Mon, Nov 30, 2026 at 9:00 AM', '30 Nov 2026', '30/11/2026', '30.11.2026',
              'Monday, November 30, 2026 9:00 AM'),
        date='Tue, 1 Dec 2026 10:15:00 +0100',
        # a client that re-wraps the quoted original leaves options alone on a line
        rewrapped=['1. Is your work today a job or a career? job / career /',
                   'not sure',
                   '',
                   '2. How satisfied are you with where it is heading? 1 2 3 4',
                   '5 (1 = least, 5 = most)',
                   '',
                   '3. Would you like a free 15-minute consultation? yes /',
                   'no',
                   '',
                   '4. What one thing would you change about your work? (reply',
                   'with 4 and your answer in your own words)'],
    ),
    'b': dict(
        campaign='moving-2027-01',
        subject='Changing jobs in 2027: are you ready?',
        title='Thinking of moving on? Three questions before you hand in your notice',
        intro=['January is when most people decide to leave their job, and February is when',
               'most of them wish they had thought about it a little longer.'],
        example='1 yes, 2 9, 3 yes, 4 interview practice',
        questions=[('Are you thinking about changing jobs this year?', 'yesno', None),
                   ('How confident are you about your next step?', 'scale', (1, 10)),
                   ('Would you like a short call with me?', 'yesno', None),
                   ('What would help you most right now?', 'choice',
                    ['a CV review', 'interview practice', 'nothing right now'])],
        ids=['moving', 'confidence', 'call', 'help'],
        follow_up='call',
        sent=('Mon, Jan 11, 2027 at 9:00 AM', '11 Jan 2027', '11/01/2027', '11.01.2027',
              'Monday, January 11, 2027 9:00 AM'),
        date='Tue, 12 Jan 2027 18:40:00 +0100',
        rewrapped=['1. Are you thinking about changing jobs this year? yes /',
                   'no',
                   '',
                   '2. How confident are you about your next step? 1 2 3 4 5 6',
                   '7 8 9 10 (1 = least, 10 = most)',
                   '',
                   '3. Would you like a short call with me? yes / no',
                   '',
                   '4. What would help you most right now? a CV review /',
                   'interview practice /',
                   'nothing right now'],
    ),
}
# text that is only in the quoted original: it must never be in the own words
NOT_OWN = {'a': ['How satisfied are you with', 'This email was sent to', 'Reply to this email with the numbers'],
           'b': ['How confident are you about', 'This email was sent to', 'Reply to this email with the numbers']}


def survey_block(s, rewrap=False):
    out = ['----------------------------------------------------------------------',
           'Reply to this email with the numbers, e.g. ' + s['example'], '']
    if rewrap:
        return out + s['rewrapped'] + ['']
    for i, (text, kind, extra) in enumerate(s['questions'], 1):
        out.append(f'{i}. {text}')
        if kind == 'choice':
            out.append('   ' + ' / '.join(extra))
        elif kind == 'scale':
            lo, hi = extra
            out.append('   ' + ' '.join(str(v) for v in range(lo, hi + 1)) + f'   ({lo} = least, {hi} = most)')
        elif kind == 'yesno':
            out.append('   yes / no')
        else:
            out.append(f'   (reply with {i} and your answer in your own words)')
        out.append('')
    return out


def original_lines(s, name, email, rewrap=False):
    return ([s['title'], '', f'Hi {name.split()[0]},', ''] + s['intro'] + [''] + survey_block(s, rewrap) +
            ['-- ', f'This email was sent to {email}.',
             'To unsubscribe, reply with "unsubscribe" or write to replies@example.test.'])


def mailto(tok, s, qid, n, value):
    from urllib.parse import quote
    subj = quote(f'Re: {s["subject"]} [survey {tok} {qid}={value}]')
    return f'mailto:replies+{tok}@example.test?subject={subj}&amp;body={quote(f"{n} {value}")}'


def original_html(s, name, email, tok):
    e = html.escape
    h = [f'<h1 style="font-size:22px">{e(s["title"])}</h1>', f'<p>Hi {e(name.split()[0])},</p>',
         '<p>' + e(' '.join(s['intro'])) + '</p>',
         '<table role="presentation" width="100%"><tr><td>',
         f'<p style="margin:0 0 16px;">Reply to this email with the numbers, e.g. {e(s["example"])} &ndash; '
         'or choose an answer below: each one opens a reply for you to send.</p>']
    for i, (text, kind, extra) in enumerate(s['questions'], 1):
        qid = s['ids'][i - 1]
        h.append(f'<p style="margin:16px 0 8px;"><strong>{i}.</strong> {e(text)}</p>')
        h.append('<p style="margin:0 0 8px;">')
        if kind == 'choice':
            opts = extra
        elif kind == 'scale':
            opts = [str(v) for v in range(extra[0], extra[1] + 1)]
        elif kind == 'yesno':
            opts = ['yes', 'no']
        else:
            opts = []
        for o in opts:
            h.append(f'<a href="{mailto(tok, s, qid, i, o)}" style="display:inline-block; padding:6px 14px">{e(o)}</a>')
        if kind == 'scale':
            h.append(f'<span style="color:#71717a">{extra[0]} = least, {extra[1]} = most</span>')
        if kind == 'text':
            h.append(f'<span style="color:#71717a;">Reply with {i} and your answer in your own words.</span>')
        h.append('</p>')
    h.append('</td></tr></table>')
    h.append(f'<p style="color:#71717a">This email was sent to {e(email)}.<br>To unsubscribe, reply with '
             '"unsubscribe" or write to replies@example.test.</p>')
    return '\n'.join(h)


# ---- per-language client strings ----

ON_WROTE = {  # Gmail style "On … wrote:"; {d} date, {who} the coach with address
    'en': 'On {d} {who} wrote:',
    'fr': 'Le {d}, {who} a écrit :',
    'de': 'Am {d} schrieb {who}:',
    'es': 'El {d}, {who} escribió:',
    'pt': 'Em {d}, {who} escreveu:',
    'it': 'Il giorno {d} {who} ha scritto:',
    'nl': 'Op {d} schreef {who}:',
    'pl': 'W dniu {d} {who} napisał(a):',
    'ru': '{d}, {who}:',
    'uk': '{d} {who} пише:',
    'tr': '{d} tarihinde {who} şunu yazdı:',
    'ja': '{d} {who}:',
}
APPLE_WROTE = {
    'en': 'On {d}, at 09:00, {who} wrote:',
    'fr': 'Le {d} à 09:00, {who} a écrit :',
    'de': 'Am {d} um 09:00 schrieb {who}:',
    'es': 'El {d}, a las 9:00, {who} escribió:',
    'pt': 'Em {d}, às 09:00, {who} escreveu:',
    'it': 'Il giorno {d}, alle ore 09:00, {who} ha scritto:',
    'nl': 'Op {d} om 09:00 heeft {who} het volgende geschreven:',
    'pl': 'Wiadomość napisana przez {who} w dniu {d}, o godz. 09:00:',
    'ru': '{d}, в 09:00, {who} написал(а):',
    'uk': '{d} о 09:00 {who} написав(ла):',
    'tr': '{d} tarihinde 09:00 saatinde, {who} şunları yazdı:',
    'ja': '{d} 9:00、{who}のメール:',
}
OUTLOOK_FIELDS = {  # From, Sent, To, Subject
    'en': ('From', 'Sent', 'To', 'Subject'),
    'fr': ('De', 'Envoyé', 'À', 'Objet'),
    'de': ('Von', 'Gesendet', 'An', 'Betreff'),
    'es': ('De', 'Enviado', 'Para', 'Asunto'),
    'pt': ('De', 'Enviado', 'Para', 'Assunto'),
    'it': ('Da', 'Inviato', 'A', 'Oggetto'),
    'nl': ('Van', 'Verzonden', 'Aan', 'Onderwerp'),
    'pl': ('Od', 'Wysłane', 'Do', 'Temat'),
    'ru': ('От', 'Отправлено', 'Кому', 'Тема'),
    'uk': ('Від', 'Надіслано', 'Кому', 'Тема'),
    'tr': ('Kimden', 'Gönderildi', 'Kime', 'Konu'),
    'ja': ('差出人', '送信日時', '宛先', '件名'),
}
IPHONE = {
    'en': 'Sent from my iPhone', 'fr': 'Envoyé de mon iPhone', 'de': 'Von meinem iPhone gesendet',
    'es': 'Enviado desde mi iPhone', 'pt': 'Enviado do meu iPhone', 'it': 'Inviato da iPhone',
    'nl': 'Verzonden vanaf mijn iPhone', 'pl': "Wysłane z iPhone'a", 'ru': 'Отправлено с iPhone',
    'uk': 'Надіслано з iPhone', 'tr': "iPhone'umdan gönderildi", 'ja': 'iPhoneから送信',
}
ANDROID = {
    'en': 'Sent from my Galaxy', 'fr': 'Envoyé depuis mon appareil Galaxy', 'de': 'Von meinem Galaxy gesendet',
    'es': 'Enviado desde mi Galaxy', 'pt': 'Enviado do meu Galaxy', 'it': 'Inviato dal mio Galaxy',
    'nl': 'Verzonden vanaf mijn Galaxy', 'pl': 'Wysłane z mojego Galaxy', 'ru': 'Отправлено с Galaxy',
    'uk': 'Надіслано з Galaxy', 'tr': "Galaxy'imden gönderildi", 'ja': 'Galaxyから送信',
}
LEGACY = {  # the charset an older Western client labels its mail with
    'en': 'windows-1252', 'fr': 'iso-8859-1', 'de': 'iso-8859-1', 'es': 'windows-1252', 'pt': 'iso-8859-1',
    'it': 'windows-1252', 'nl': 'iso-8859-1', 'pl': 'iso-8859-2', 'tr': 'iso-8859-9',
    'ru': 'koi8-r', 'uk': 'koi8-u', 'ja': 'iso-2022-jp',
}
NAMES = {
    'en': ['Priya Shah', 'Tom Becker', 'Alice Moore', 'Jamal Wright', 'Grace Liu', 'Owen Hughes', 'Nina Patel',
           'Sam Lee', 'Maria Lopez', 'Dan Kowalski', 'Ruth Adeyemi', 'Kevin Obi'],
    'fr': ['Camille Martin', 'Julien Petit', 'Sophie Bernard', 'Hugo Lefèvre'],
    'de': ['Jonas Müller', 'Lena Schäfer', 'Tobias Weiß', 'Anna Fischer'],
    'es': ['Lucía García', 'Javier Martín', 'Carmen Ruiz', 'Pablo Núñez'],
    'pt': ['João Silva', 'Ana Costa', 'Beatriz Santos', 'Rafael Oliveira'],
    'it': ['Giulia Rossi', 'Marco Bianchi', 'Francesca Romano', 'Luca Conti'],
    'nl': ['Daan de Vries', 'Sanne Jansen', 'Thijs Bakker', 'Femke Visser'],
    'pl': ['Katarzyna Nowak', 'Piotr Wiśniewski', 'Agnieszka Wójcik', 'Tomasz Zieliński'],
    'ru': ['Анна Иванова', 'Дмитрий Смирнов', 'Ольга Кузнецова', 'Сергей Попов'],
    'uk': ['Олена Коваленко', 'Андрій Шевченко', 'Ірина Бондаренко', 'Тарас Мельник'],
    'tr': ['Ayşe Yılmaz', 'Mehmet Demir', 'Zeynep Kaya', 'Emre Şahin'],
    'ja': ['佐藤 花子', '鈴木 一郎', '高橋 美咲', '田中 健'],
}


def token(name):
    h = hashlib.sha256(('prose-set:' + name).encode()).digest()
    alphabet = 'abcdefghijklmnopqrstuvwxyz234567'  # base32, as token.c writes them
    return ''.join(alphabet[b % 32] for b in h[:16])


def ascii_local(name):
    import unicodedata
    s = unicodedata.normalize('NFKD', name.split()[0]).encode('ascii', 'ignore').decode().lower()
    return s or 'reader'


def enc_header(value, charset='utf-8'):
    try:
        value.encode('ascii')
        return value
    except UnicodeEncodeError:
        return Header(value, charset).encode()


def headers(r, s, tok, extra, charset='utf-8'):
    name, addr = r['name'], r['addr']
    subj = 'Re: ' + s['subject']
    if r.get('mailto'):
        qid, value = r['mailto']
        subj += f' [survey {tok} {qid}={value}]'
    mid = f'<{tok}.{s["campaign"]}@example.test>'
    return (f'Return-Path: <{addr}>\n'
            f'Delivered-To: replies+{tok}@example.test\n'
            f'From: {enc_header(name, charset)} <{addr}>\n'
            f'To: {COACH} <replies+{tok}@example.test>\n'
            f'Subject: {enc_header(subj, charset)}\n'
            f'Date: {s["date"]}\n'
            f'Message-ID: <reply-{hashlib.sha256(r["file"].encode()).hexdigest()[:12]}@mail.example.org>\n'
            f'In-Reply-To: {mid}\n'
            f'References: {mid}\n'
            f'MIME-Version: 1.0\n' + extra)


def quote(lines, prefix='> '):
    return [(prefix + l).rstrip() if l.strip() else prefix.rstrip() for l in lines]


def html_own(body):
    out = []
    for l in body.split('\n'):
        out.append('<div>' + (html.escape(l) if l else '<br>') + '</div>')
    return ''.join(out)


def flowed(text):
    """format=flowed (RFC 3676): long lines soft-broken with a trailing space."""
    out = []
    for l in text.split('\n'):
        if len(l) <= 72 or l.startswith('>'):
            out.append(l)
            continue
        parts = textwrap.wrap(l, 70, break_long_words=False, break_on_hyphens=False)
        out.extend(p + ' ' for p in parts[:-1])
        out.append(parts[-1])
    return '\n'.join(out)


def crlf(s):
    return s.replace('\r\n', '\n').replace('\n', '\r\n')


def qp(text, charset):
    return quopri.encodestring(text.encode(charset)).decode('ascii')


def b64(data):
    return base64.encodebytes(data).decode('ascii')


def build(r):
    s = SURVEYS[r['survey']]
    lang, shape = r['lang'], r['shape']
    tok = token(r['file'])
    who = f'{COACH} <replies+{tok}@example.test>'
    d_gmail, d_apple, d_slash, d_dot, d_long = s['sent']
    orig = original_lines(s, r['name'], r['addr'], rewrap=(shape in ('gmail-rewrap', 'outlook-rewrap')))
    orig_h = original_html(s, r['name'], r['addr'], tok)
    body = r['body'].strip('\n')
    lang_date = {'en': d_gmail, 'fr': 'lun. ' + d_apple.lower(), 'de': d_dot + ' um 09:00', 'es': 'lun, ' + d_apple,
                 'pt': 'seg., ' + d_apple, 'it': 'lun ' + d_apple, 'nl': 'ma ' + d_apple + ' om 09:00',
                 'pl': 'pon., ' + d_dot + ' o 09:00', 'ru': 'пн, ' + d_dot + ' в 09:00',
                 'uk': 'пн, ' + d_dot + ' о 09:00', 'tr': d_dot + ' Pzt 09:00',
                 'ja': '{2}年{1}月{0}日(月) 9:00'.format(*(int(x) for x in d_dot.split('.')))}[lang]
    on = ON_WROTE[lang].format(d=lang_date, who=who)
    B = 'b0und4ry' + tok[:8]

    if shape in ('gmail', 'gmail-rewrap'):
        plain = body + '\n\n' + on + '\n\n' + '\n'.join(quote(orig)) + '\n'
        htm = ('<div dir="ltr">' + html_own(body) + '</div><br><div class="gmail_quote"><div dir="ltr" '
               'class="gmail_attr">' + html.escape(on) + '<br></div><blockquote class="gmail_quote" '
               'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">' +
               orig_h + '</blockquote></div>\n')
        return crlf(headers(r, s, tok, f'Content-Type: multipart/alternative; boundary="{B}"\n') +
                    f'\n--{B}\nContent-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: quoted-printable\n\n' +
                    qp(plain, 'utf-8') + f'\n--{B}\nContent-Type: text/html; charset="UTF-8"\n'
                    'Content-Transfer-Encoding: quoted-printable\n\n' + qp(htm, 'utf-8') + f'\n--{B}--\n')

    if shape in ('outlook', 'outlook-rewrap'):
        f_from, f_sent, f_to, f_subj = OUTLOOK_FIELDS[lang]
        sep = ' : ' if lang == 'fr' else ': '
        block = [f'{f_from}{sep}{who}', f'{f_sent}{sep}{d_long}', f'{f_to}{sep}{r["name"]} <{r["addr"]}>',
                 f'{f_subj}{sep}{s["subject"]}', '']
        plain = body + '\n\n' + '\n'.join(block + orig) + '\n'
        cs = 'windows-1252' if lang in ('en', 'fr', 'de', 'es', 'pt', 'it', 'nl') else 'utf-8'
        htm = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=' + cs + '"></head><body>'
               '<div style="font-family:Calibri,Arial">' + html_own(body) + '</div><div id="appendonsend"></div>'
               '<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">'
               '<font face="Calibri" style="font-size:11pt">' +
               '<br>'.join(f'<b>{html.escape(k)}{sep.rstrip()}</b> {html.escape(v)}' for k, v in
                           [(f_from, who), (f_sent, d_long), (f_to, r['name']), (f_subj, s['subject'])]) +
               '</font><div>&nbsp;</div></div><div>' + orig_h + '</div></body></html>\n')
        return crlf(headers(r, s, tok, f'Content-Type: multipart/alternative; boundary="_000_{B}_"\n'
                            f'X-Mailer: Microsoft Outlook 16.0\nThread-Topic: {enc_header(s["subject"])}\n') +
                    f'\n--_000_{B}_\nContent-Type: text/plain; charset="{cs}"\nContent-Transfer-Encoding: quoted-printable\n\n' +
                    qp(plain, cs) + f'\n--_000_{B}_\nContent-Type: text/html; charset="{cs}"\n'
                    'Content-Transfer-Encoding: quoted-printable\n\n' + qp(htm, cs) + f'\n--_000_{B}_--\n')

    if shape == 'apple':
        a = APPLE_WROTE[lang].format(d=d_apple, who=who)
        plain = body + '\n\n' + IPHONE[lang] + '\n\n' + '\n'.join(quote([a, ''] + orig)) + '\n'
        return crlf(headers(r, s, tok, 'Content-Type: text/plain; charset=utf-8\n'
                            'Content-Transfer-Encoding: quoted-printable\nX-Mailer: iPhone Mail (22C152)\n') +
                    '\n' + qp(plain, 'utf-8'))

    if shape == 'thunderbird-flowed':
        tb = {'en': f'On {d_slash} 09:00, {COACH} wrote:'}.get(lang, ON_WROTE[lang].format(d=d_slash + ' 09:00', who=COACH))
        sig = '-- \n' + r['name']
        plain = flowed(body) + '\n\n' + sig + '\n\n' + tb + '\n' + '\n'.join(quote(orig)) + '\n'
        return crlf(headers(r, s, tok, 'Content-Type: text/plain; charset=UTF-8; format=flowed\n'
                            'Content-Transfer-Encoding: 8bit\nUser-Agent: Mozilla Thunderbird\n') + '\n' + plain)

    if shape == 'android-base64':
        # the Gmail app wraps the quote header over two lines
        on2 = ON_WROTE[lang].format(d=lang_date, who=f'{COACH}, <\nreplies+{tok}@example.test>')
        plain = body + '\n\n' + ANDROID[lang] + '\n\n' + on2 + '\n\n' + '\n'.join(quote(orig)) + '\n'
        htm = ('<div dir="auto">' + html_own(body + '\n\n' + ANDROID[lang]) + '</div><br><div class="gmail_quote">'
               '<div dir="ltr" class="gmail_attr">' + html.escape(on2) + '<br></div><blockquote class="gmail_quote">' +
               orig_h + '</blockquote></div>\n')
        return crlf(headers(r, s, tok, f'Content-Type: multipart/alternative; boundary="0000{B}"\n') +
                    f'\n--0000{B}\nContent-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: base64\n\n' +
                    b64(plain.encode()) + f'\n--0000{B}\nContent-Type: text/html; charset="UTF-8"\n'
                    'Content-Transfer-Encoding: base64\n\n' + b64(htm.encode()) + f'\n--0000{B}--\n')

    if shape in ('legacy-qp', 'koi8', 'iso-2022-jp'):
        cs = LEGACY[lang]
        if lang in ('en', 'fr', 'de', 'es', 'it', 'pt', 'nl'):
            # an older Outlook: "-----Original Message-----" and the original unprefixed
            lead = ['-----Original Message-----', f'From: {COACH} [mailto:replies+{tok}@example.test]',
                    f'Sent: {d_long}', f'To: {r["name"]}', f'Subject: {s["subject"]}', '']
            plain = body + '\n\n' + '\n'.join(lead + orig) + '\n'
        else:
            plain = body + '\n\n' + on + '\n\n' + '\n'.join(quote(orig)) + '\n'
        if shape == 'legacy-qp':
            return crlf(headers(r, s, tok, f'Content-Type: text/plain; charset="{cs}"\n'
                                'Content-Transfer-Encoding: quoted-printable\n', charset=cs) + '\n' + qp(plain, cs))
        raw = plain.encode(cs)
        hdr = headers(r, s, tok, f'Content-Type: text/plain; charset={cs}\nContent-Transfer-Encoding: '
                      f'{"7bit" if cs == "iso-2022-jp" else "8bit"}\n', charset=cs)
        return crlf(hdr + '\n').encode('ascii') + raw.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')

    if shape == 'html-only':
        # three webmails, in turn: Gmail, Outlook on the web, Apple Mail HTML
        style = r.get('html_style', int(hashlib.sha256(r['file'].encode()).hexdigest(), 16) % 3)
        if style == 0:
            htm = ('<div dir="ltr">' + html_own(body) + '</div><br><div class="gmail_quote"><div dir="ltr" '
                   'class="gmail_attr">' + html.escape(on) + '<br></div><blockquote class="gmail_quote" '
                   'style="margin:0px 0px 0px 0.8ex">' + orig_h + '</blockquote></div>\n')
        elif style == 1:
            f_from, f_sent, f_to, f_subj = OUTLOOK_FIELDS[lang]
            htm = ('<html><head><meta charset="utf-8"></head><body><div style="font-family:Aptos">' + html_own(body) +
                   '</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" '
                   f'dir="ltr"><b>{html.escape(f_from)}:</b> {html.escape(who)}<br><b>{html.escape(f_sent)}:</b> '
                   f'{d_long}<br><b>{html.escape(f_to)}:</b> {html.escape(r["name"])}<br><b>{html.escape(f_subj)}:</b> '
                   f'{html.escape(s["subject"])}<div>&nbsp;</div></div><div>' + orig_h + '</div></body></html>\n')
        else:
            a = APPLE_WROTE[lang].format(d=d_apple, who=who)
            htm = ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">' +
                   html_own(body) + '<div dir="ltr"><br><blockquote type="cite">' + html.escape(a) + '</blockquote></div>'
                   '<blockquote type="cite"><div dir="ltr">' + orig_h + '</div></blockquote></body></html>\n')
        return crlf(headers(r, s, tok, 'Content-Type: text/html; charset="UTF-8"\n'
                            'Content-Transfer-Encoding: quoted-printable\n') + '\n' + qp(htm, 'utf-8'))

    raise SystemExit(f'{r["file"]}: unknown shape {shape}')


def check(r):
    s = SURVEYS[r['survey']]
    labels = dict(kv.split('=', 1) for kv in r['labels'].split(';') if kv)
    for k, v in labels.items():
        if k in ('contact', 'unsub'):
            assert v == '1', r['file']
            continue
        assert k in s['ids'], f'{r["file"]}: unknown question {k}'
        q = s['questions'][s['ids'].index(k)]
        if v == '?':
            continue
        if q[1] == 'choice':
            assert v in q[2], f'{r["file"]}: {k}={v}'
        elif q[1] == 'scale':
            assert q[2][0] <= int(v) <= q[2][1], r['file']
        elif q[1] == 'yesno':
            assert v in ('yes', 'no'), r['file']
        else:
            assert v in r['body'], f'{r["file"]}: text snippet {v!r} not in the body'
    fu = labels.get(s['follow_up'])
    assert (fu == 'yes') == ('contact' in labels), f'{r["file"]}: a yes to {s["follow_up"]} and contact=1 go together'
    assert r['own'] in r['body'], f'{r["file"]}: own snippet not in the body'
    for n in NOT_OWN[r['survey']]:
        assert n not in r['body'], r['file']


def main():
    from replies_en import REPLIES as EN
    from replies_intl import REPLIES as INTL
    replies = EN + INTL
    seen = set()
    count = {}
    rows = []
    for r in replies:
        assert r['file'] not in seen, r['file']
        seen.add(r['file'])
        lang = r['lang']
        names = NAMES[lang]
        i = count.get(lang, 0)
        count[lang] = i + 1
        r.setdefault('name', names[i % len(names)])
        r.setdefault('addr', f'{ascii_local(r["name"])}{i + 1}@example.org' if lang not in ('ru', 'uk', 'ja')
                     else f'reader.{lang}{i + 1}@example.org')
        check(r)
        data = build(r)
        with open(os.path.join(OUT, r['file']), 'wb') as f:
            f.write(data if isinstance(data, bytes) else data.encode('utf-8'))
        notown = list(NOT_OWN[r['survey']])
        sig = {'apple': IPHONE[lang], 'android-base64': ANDROID[lang]}.get(r['shape'], '')
        rows.append('\t'.join([r['file'], r['survey'], lang, r['shape'], r['labels'], r['own'], '|'.join(notown), sig,
                               r.get('note', '')]))
    with open(os.path.join(OUT, 'labels.tsv'), 'w', encoding='utf-8') as f:
        f.write('# The labelled set of prose replies (issue 12): see README.md for the columns.  Written by\n'
                '# make_set.py; edit the replies there, not here.\n')
        f.write('# file\tsurvey\tlanguage\tshape\tlabels\town\tnot_own\tsignature\tnote\n')
        for row in rows:
            f.write(row + '\n')
    print(f'{len(rows)} replies written')


if __name__ == '__main__':
    import sys
    sys.dont_write_bytecode = True
    sys.path.insert(0, OUT)
    main()
