#!/usr/bin/python3
# make_fixtures.py - writes the fixture replies of this folder (issue 4): the survey of doc/DESIGN.md §3
# answered in the shapes real mail clients produce.  The .eml files are committed; run this only to
# change them, then update fixtures.tsv.  Usage: /usr/bin/python3 tests/data/replies/make_fixtures.py
import base64, quopri, os, hashlib
from email.header import Header
OUT=os.path.dirname(os.path.abspath(__file__))
TOK='k7qzm2xw4bnf5hty'
CAMP='career-2026-11'
MID=f'<{TOK}.{CAMP}@example.test>'
SUBJ='Job or career: which one are you in?'
ORIG_LINES = """Job or career? How to tell which one you have

Hi Sam,

Most people use the words "job" and "career" as if they meant the same
thing. They don't, and the difference matters more than it seems.

----------------------------------------------------------------------
Reply to this email with the numbers, e.g. 1 career, 2 4, 3 yes

1. Is your work today a job or a career?
   job / career / not sure

2. How satisfied are you with where it is heading?
   1 2 3 4 5   (1 = least, 5 = most)

3. Would you like a free 15-minute consultation?
   yes / no

4. What one thing would you change about your work?
   (reply with 4 and your answer in your own words)

-- 
This email was sent to sam@example.org.
To unsubscribe, reply with "unsubscribe" or write to replies@example.test.""".split('\n')

def quoted(prefix='> '):
    return '\n'.join((prefix + l).rstrip() if l else prefix.rstrip() for l in ORIG_LINES)

def headers(frm='Sam Lee <sam@example.org>', subject='Re: ' + SUBJ, extra=''):
    return (f"Return-Path: <sam@example.org>\n"
            f"Delivered-To: replies+{TOK}@example.test\n"
            f"From: {frm}\n"
            f"To: Career Coach <replies+{TOK}@example.test>\n"
            f"Subject: {subject}\n"
            f"Date: Tue, 1 Dec 2026 10:15:00 +0100\n"
            f"Message-ID: <reply-{hashlib.sha256((frm+subject+extra).encode()).hexdigest()[:12]}@mail.example.org>\n"
            f"In-Reply-To: {MID}\n"
            f"References: {MID}\n"
            f"MIME-Version: 1.0\n" + extra)

def write(name, data):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(data.encode('utf-8') if isinstance(data, str) else data)

def crlf(s):
    return s.replace('\r\n', '\n').replace('\n', '\r\n')

HDR_ON = "On Mon, Nov 30, 2026 at 9:00 AM Career Coach <replies+%s@example.test> wrote:" % TOK

# 1 Gmail plain (multipart/alternative, top-posted answers)
plain = f"1 career\n2 4\n3 yes\n4 More time for deep work, fewer meetings.\n\nThanks!\nSam\n\n{HDR_ON}\n\n{quoted()}\n"
html = ("<div dir=\"ltr\">1 career<div>2 4</div><div>3 yes</div><div>4 More time for deep work, fewer meetings.</div>"
        "<div><br></div><div>Thanks!</div><div>Sam</div></div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">"
        + HDR_ON.replace('<', '&lt;').replace('>', '&gt;') + "<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex\">"
        + '<br>'.join(l.replace('&','&amp;').replace('<','&lt;').replace('>','&gt;') for l in ORIG_LINES) + "</blockquote></div>\n")
write('gmail-plain.eml', crlf(headers(extra='Content-Type: multipart/alternative; boundary="000000000000a1b2c3"\n') +
      "\n--000000000000a1b2c3\nContent-Type: text/plain; charset=\"UTF-8\"\n\n" + plain +
      "\n--000000000000a1b2c3\nContent-Type: text/html; charset=\"UTF-8\"\n\n" + html + "\n--000000000000a1b2c3--\n"))

# 2 Gmail HTML only, answers with colons, quoted original in gmail_quote
html2 = ("<div dir=\"ltr\"><div>Hi!</div><div>1: career</div><div>2: 5</div><div>3: no</div><div>4: Nothing, I love it.</div></div><br>"
         "<div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">" + HDR_ON.replace('<', '&lt;').replace('>', '&gt;') +
         "<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex\">"
         + '<br>\n'.join(l.replace('&','&amp;').replace('<','&lt;').replace('>','&gt;') for l in ORIG_LINES) + "</blockquote></div>\n")
write('gmail-html.eml', crlf(headers(extra='Content-Type: text/html; charset="UTF-8"\nContent-Transfer-Encoding: quoted-printable\n') + "\n" +
      quopri.encodestring(html2.encode()).decode()))

# 3 Outlook desktop: header-block quoting, original unprefixed, ISO-8859-1 label
outlook = ("1) Career\r\n2) 3\r\n3) Yes please\r\n4) A clearer path to promotion\r\n\r\nBest regards,\r\nSam Lee\r\n\r\n"
           "From: Career Coach <replies+%s@example.test>\r\nSent: Monday, November 30, 2026 9:00 AM\r\nTo: Sam Lee <sam@example.org>\r\n"
           "Subject: %s\r\n\r\n" % (TOK, SUBJ)) + '\r\n'.join(ORIG_LINES) + '\r\n'
write('outlook-desktop.eml', crlf(headers(extra='Content-Type: multipart/alternative; boundary="_000_OUTLOOK_"\nX-Mailer: Microsoft Outlook 16.0\nThread-Topic: ' + SUBJ + '\n') +
      "\n--_000_OUTLOOK_\nContent-Type: text/plain; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n\n" +
      quopri.encodestring(outlook.encode('latin-1')).decode() + "\n--_000_OUTLOOK_\nContent-Type: text/html; charset=\"iso-8859-1\"\n\n<html><body><p>see text part</p></body></html>\n--_000_OUTLOOK_--\n"))

# 4 Outlook web: HTML only, divRplyFwdMsg header block, original after <hr>
owa = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>"
       "<div style=\"font-family: Calibri\">Q1 - job</div><div>Q2 - 2</div><div>Q3 - not now</div><div>Q4 - Less overtime</div>"
       "<div id=\"appendonsend\"></div><hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">"
       "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri\" style=\"font-size:11pt\"><b>From:</b> Career Coach &lt;replies+" + TOK +
       "@example.test&gt;<br><b>Sent:</b> Monday, November 30, 2026 9:00 AM<br><b>To:</b> Sam Lee &lt;sam@example.org&gt;<br><b>Subject:</b> " + SUBJ +
       "</font><div>&nbsp;</div></div><div>" + '<br>\n'.join(l.replace('&','&amp;').replace('<','&lt;').replace('>','&gt;') for l in ORIG_LINES) +
       "</div></body></html>\n")
write('outlook-web.eml', crlf(headers(extra='Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: base64\n') + "\n" +
      base64.encodebytes(owa.encode()).decode()))

# 5 Apple Mail: plain, '>' quoting, answers with #
apple = f"#1 not sure\n#2 4 out of 5\n#3 Sure\n#4 I would like to work remotely twice a week.\n\nSam\n\n> On 30 Nov 2026, at 09:00, Career Coach <replies+{TOK}@example.test> wrote:\n> \n{quoted()}\n"
write('apple-mail.eml', crlf(headers(extra='Content-Type: text/plain;\n\tcharset=us-ascii\nContent-Transfer-Encoding: 7bit\nX-Mailer: Apple Mail (2.3774.200.91.1.1)\n') + "\n" + apple))

# 6 iPhone: QP, "Sent from my iPhone", answers with words
iphone = f"1 job\n2 two\n3 nope\n\nSent from my iPhone\n\n> On 30 Nov 2026, at 09:00, Career Coach <replies+{TOK}@example.test> wrote:\n> \n{quoted()}\n"
write('iphone.eml', crlf(headers(extra='Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\nX-Mailer: iPhone Mail (21A351)\n') + "\n" +
      quopri.encodestring(iphone.encode()).decode()))

# 7 Thunderbird format=flowed: a long text answer wrapped with soft breaks
tb = ("1 career\n2 5\n3 yes\n4 I would change how we plan the quarter: fewer surprise \ndeadlines and more time to do the work properly, which would make \nthe whole team happier.\n\n"
      f"On 30/11/2026 09:00, Career Coach wrote:\n{quoted()}\n")
write('thunderbird-flowed.eml', crlf(headers(extra='Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 7bit\nUser-Agent: Mozilla Thunderbird\n') + "\n" + tb))

# 8 Android Gmail: base64 UTF-8, wrapped quote header
android = (f"1 career\n2 4\n3 yes\n4 Менше нарад, more focus\n\nOn Mon, 30 Nov 2026, 09:00 Career Coach, <\nreplies+{TOK}@example.test> wrote:\n\n{quoted()}\n")
write('android-base64.eml', crlf(headers(extra='Content-Type: multipart/alternative; boundary="0000android"\n') +
      "\n--0000android\nContent-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: base64\n\n" + base64.encodebytes(android.encode()).decode() +
      "\n--0000android--\n"))

# 9 Windows-1252 quoted-printable, mislabelled ISO-8859-1 (curly quotes, euro)
w = ("1 career\r\n2 3\r\n3 yes\r\n4 I\u2019d pay \u20ac50 for a \u201creal\u201d caf\u00e9 at work\r\n\r\n-----Original Message-----\r\nFrom: Career Coach [mailto:replies+%s@example.test]\r\n"
     "Sent: Monday, November 30, 2026 9:00 AM\r\nTo: Sam Lee\r\nSubject: %s\r\n\r\n" % (TOK, SUBJ)) + '\r\n'.join(ORIG_LINES) + '\r\n'
write('windows-1252-qp.eml', crlf(headers(extra='Content-Type: text/plain; charset="iso-8859-1"\nContent-Transfer-Encoding: quoted-printable\n') + "\n" +
      quopri.encodestring(w.encode('cp1252')).decode()))

# 10 ISO-2022-JP: Japanese Gmail header, a Japanese text answer
jp = (f"1 career\n2 4\n3 yes\n4 残業を減らしたいです。\n\n2026年11月30日(月) 9:00 Career Coach <replies+{TOK}@example.test>:\n\n{quoted()}\n")
write('iso-2022-jp.eml', crlf(headers(subject=Header('Re: ' + SUBJ + ' （回答）', 'iso-2022-jp').encode(), extra='Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n') + "\n") .encode() +
      crlf(jp).encode('iso-2022-jp'))

# 11 Interleaved: answers typed under each quoted question
inter = [HDR_ON]
for l in ORIG_LINES:
    inter.append(('> ' + l).rstrip() if l else '>')
    if l.startswith('   job / career'):
        inter.append('Definitely a career!')
    if l.startswith('   1 2 3 4 5'):
        inter += ['', '4 out of 5', '']
    if l.startswith('   yes / no'):
        inter.append('Yes please, any Tuesday works.')
    if l.startswith('   (reply with 4'):
        inter += ['More say in which projects I take on.', '']
write('interleaved.eml', crlf(headers(extra='Content-Type: text/plain; charset=utf-8\n') + "\n" + '\n'.join(inter) + "\n"))

# 12 Answers as words, by question id
words = f"work: more of a job really\nsatisfaction: three\nconsult: absolutely\nchange: Nothing comes to mind.\n\nCheers,\nSam\n\n{HDR_ON}\n{quoted()}\n"
write('answers-as-words.eml', crlf(headers(extra='Content-Type: text/plain; charset=utf-8\n') + "\n" + words))

# 13 mailto button: subject carries the answer, body "N VALUE"
write('mailto-button.eml', crlf(headers(subject=f'Re: {SUBJ} [survey {TOK} work=not sure]', extra='Content-Type: text/plain; charset=utf-8\n') + "\n1 not sure\n"))
# 13b mailto button with the body cleared: only the subject answers
write('mailto-subject-only.eml', crlf(headers(subject=f'Re: {SUBJ} [survey {TOK} consult=yes]', extra='Content-Type: text/plain; charset=utf-8\n') + "\n\n"))

# 14 no answers: just thanks
write('thanks-only.eml', crlf(headers(extra='Content-Type: text/plain; charset=utf-8\n') + f"\nThanks, great article!\n\n{HDR_ON}\n{quoted()}\n"))
# 15 ambiguous answers: kept unreadable with the raw line
write('ambiguous.eml', crlf(headers(extra='Content-Type: text/plain; charset=utf-8\n') + f"\n1 a job and a career\n2 7\n3 maybe\n\n{HDR_ON}\n{quoted()}\n"))
# 16 unsubscribe by subject and by first line
write('unsubscribe-subject.eml', crlf(headers(subject='unsubscribe', extra='Content-Type: text/plain; charset=utf-8\n') + "\n\n"))
write('unsubscribe-body.eml', crlf(headers(extra='Content-Type: text/plain; charset=utf-8\n') + f"\nPlease remove me from this list.\n\n{HDR_ON}\n{quoted()}\n"))
# 17 out-of-office auto-reply quoting the survey (must never count)
write('out-of-office.eml', crlf(headers(subject='Automatic reply: ' + SUBJ, extra='Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\nContent-Type: text/plain; charset=utf-8\n') +
      f"\nI am out of the office until 7 December with no access to email.\n\n{HDR_ON}\n{quoted()}\n"))
# 18 a read receipt
write('read-receipt.eml', crlf("From: Sam Lee <sam@example.org>\nTo: replies+%s@example.test\nSubject: Read: %s\nDate: Tue, 1 Dec 2026 10:15:00 +0100\nMessage-ID: <mdn-1@mail.example.org>\nMIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"mdn\"\n\n--mdn\nContent-Type: text/plain\n\nYour message was read.\n"
      "--mdn\nContent-Type: message/disposition-notification\n\nReporting-UA: mail.example.org\nFinal-Recipient: rfc822; sam@example.org\nOriginal-Message-ID: %s\nDisposition: manual-action/MDN-sent-manually; displayed\n--mdn--\n" % (TOK, SUBJ, MID)))

# 19 Outlook HTML with answers typed into the original, in colour (no '>' in the text)
owa2 = ("<html><body><div>Answers below in red.</div><div>Sam</div><hr><div id=\"divRplyFwdMsg\"><b>From:</b> Career Coach &lt;replies+" + TOK +
        "@example.test&gt;<br><b>Sent:</b> Monday, November 30, 2026 9:00 AM<br><b>To:</b> Sam Lee<br><b>Subject:</b> " + SUBJ + "</div><div>")
for l in ORIG_LINES:
    owa2 += l.replace('&','&amp;').replace('<','&lt;').replace('>','&gt;') + "<br>\n"
    if l.startswith('   job / career'):
        owa2 += "<span style=\"color:red\">Career, without a doubt</span><br>\n"
    if l.startswith('   1 2 3 4 5'):
        owa2 += "<span style=\"color:red\">3</span><br>\n"
    if l.startswith('   yes / no'):
        owa2 += "<span style=\"color:red\">No thanks</span><br>\n"
owa2 += "</div></body></html>\n"
write('outlook-inline-in-original.eml', crlf(headers(extra='Content-Type: text/html; charset="utf-8"\n') + "\n" + owa2))

# 20 iPhone, the choice answered without its number in the first line (examples/replies/03-iphone)
iph2 = f"Definitely a career!\n2 five\n3 Yes please \U0001F642\n\nSent from my iPhone\n\n> On 30 Nov 2026, at 09:00, Career Coach <replies+{TOK}@example.test> wrote:\n> \n{quoted()}\n"
write('iphone-unnumbered.eml', crlf(headers(extra='Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\nX-Mailer: iPhone Mail (21A351)\n') + "\n" +
      quopri.encodestring(iph2.encode()).decode()))
# 21 a client that lays each question out with its options on the same line, answered inline
inl = [HDR_ON]
ORIG_JOINED = []
for l in ORIG_LINES:
    if l.startswith('   ') and ORIG_JOINED and ORIG_JOINED[-1][:1].isdigit():
        o = l.strip()
        ORIG_JOINED[-1] += ' ' + (o if o.startswith('(') else '[' + o + ']' if '(' in o else '(' + o + ')')
    else:
        ORIG_JOINED.append(l)
for l in ORIG_JOINED:
    inl.append(('> ' + l).rstrip() if l else '>')
    if l.startswith('1. '):
        inl.append('not sure')
    if l.startswith('2. '):
        inl.append('4/5')
    if l.startswith('3. '):
        inl.append('No thanks')
    if l.startswith('4. '):
        inl += ['Fewer meetings.', '']
write('inline-options-on-question.eml', crlf(headers(extra='Content-Type: text/plain; charset=utf-8\n') + "\n" + '\n'.join(inl) + "\n"))
# 22 an option word in a thank-you line is no answer
write('thanks-career-advice.eml', crlf(headers(extra='Content-Type: text/plain; charset=utf-8\n') + f"\nThanks for the career advice!\n\n{HDR_ON}\n{quoted()}\n"))
