#!/usr/bin/python3
"""report_chromium.py - the HTML report rendered by headless Chromium (Debian's chromium).

Builds the fixed state (test_report_mkstate), runs `mailer report --format html` on it, renders the
page to a PNG and dumps the DOM after rendering, with JavaScript enabled as a browser would have it.
Checks:
  * the screenshot is a real, non-blank PNG, and printing gives a PDF of a few pages;
  * every hostile answer and name appears in the DOM as text;
  * no <script>, <img>, <iframe>, <object>, <embed> element and no on* event attribute exists in
    the rendered DOM (an injected one is the only way a script could run), and nothing loads from
    outside (no src/href other than mailto:, #, and the SVG namespace);
  * the Replies part (issue 12) is visible: a copy of the page with a probe script (and without
    the CSP that would block it) measures the section and every reply card after layout (not
    display:none, not hidden, a real size, inside the page), checks that the cards that need a look
    come first, and that each hostile reply (own words, contact sentence, name) is the card's text
    with no element made from it.  This runs on the main fixture and on the replies fixture
    (test_report_mkstate --replies: prose, a request in words, script, quotes and &).
A negative control runs the same checks on a page with an unescaped payload first, so the checks are
shown to catch what they look for.  Usage: report_chromium.py MKSTATE  (env MAILER).
"""
import html
import html.parser
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import zlib

CHROMIUM = "/usr/bin/chromium"
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Eve</td><script>alert(2)</script>",
    'Less travel, more "deep work"',
    "first line",
    "second line, with a comma",
    "山田 太郎",
    "Ana 🚀 Lima",
    "Zoë Ångström",
]
FORBIDDEN_TAGS = {"script", "img", "iframe", "object", "embed", "link", "base", "meta-refresh"}
# The own words of the main fixture's replies (report_fixture.c) ...
HOSTILE_WORDS = [
    "P.S. Tom & Jerry's 'quote' </blockquote><b>bold</b>",
    "4 <script>alert(1)</script>",
    "I'm torn between the two, to be honest.",
]
# ... and of the replies fixture: words, a contact sentence and a name that try to become markup.
HOSTILE_REPLIES = [
    "<script>alert(\"x\")</script> & \"quotes\" 'single' </blockquote><b>bold</b>",
    "<img src=x onerror=alert(3)> call me & \"now\"",
    "Quinn \"Q\" <O'Neil> & Co",
    "Honestly mine is a job right now, not a career.",
    "I would really like a call to talk about this.",
]

# Runs after layout in a copy of the report; writes what it found into data-probe on <body>.
PROBE = r"""<script>
(function () {
  var out = {problems: [], cards: 0, look: 0};
  function visible(el) {
    var st = getComputedStyle(el), r = el.getBoundingClientRect();
    return st.display !== "none" && st.visibility === "visible" && parseFloat(st.opacity) > 0.5 &&
      r.width > 100 && r.height > 10 && r.left >= 0 && r.right <= document.documentElement.scrollWidth + 1;
  }
  var sec = document.getElementById("replies");
  if (!sec) { out.problems.push("no #replies section"); }
  else {
    if (!visible(sec)) out.problems.push("the Replies section is not visible");
    var h = sec.querySelector("h2");
    if (!h || !visible(h) || h.textContent.indexOf("Replies") !== 0) out.problems.push("no visible Replies heading");
    var cards = sec.querySelectorAll("article.reply"), seenPlain = false;
    out.cards = cards.length;
    for (var i = 0; i < cards.length; i++) {
      var c = cards[i], look = c.classList.contains("look");
      if (!visible(c)) out.problems.push("reply card " + i + " is not visible");
      if (look) {
        out.look++;
        if (seenPlain) out.problems.push("card " + i + " needs a look but comes after one that does not");
        var badge = c.querySelector(".badge");
        if (!badge || !visible(badge) || badge.textContent !== "Needs a look") out.problems.push("card " + i + ": no visible badge");
      } else seenPlain = true;
      var w = c.querySelector("blockquote.words");
      if (w && !visible(w)) out.problems.push("card " + i + ": its words are not visible");
    }
    if (sec.querySelector("script, img, iframe, object, embed, [onerror], [onload]"))
      out.problems.push("an element made from a reply inside #replies");
    var bs = sec.querySelectorAll("b");
    for (var k = 0; k < bs.length; k++) if (bs[k].textContent === "bold") out.problems.push("<b>bold</b> became an element");
    var want = JSON.parse(document.getElementById("probe-want").textContent);
    var text = sec.textContent;
    for (var j = 0; j < want.length; j++) if (text.indexOf(want[j]) < 0) out.problems.push("not in the Replies text: " + want[j]);
  }
  document.body.setAttribute("data-probe", JSON.stringify(out));
})();
</script>"""


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.bad = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in FORBIDDEN_TAGS:
            self.bad.append("element <%s>" % tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append("event attribute %s on <%s>" % (name, tag))
            if name in ("src", "href", "xlink:href", "action", "formaction", "data"):
                v = (value or "").strip()
                if not (v.startswith("mailto:") or v.startswith("#")):
                    self.bad.append("reference %s=%r on <%s>" % (name, v, tag))
            if name == "xmlns" and value != "http://www.w3.org/2000/svg":
                self.bad.append("namespace %r" % value)
            if name == "style" and "url(" in (value or ""):
                self.bad.append("url() in style on <%s>" % tag)
        if tag == "meta":
            d = dict(attrs)
            if (d.get("http-equiv") or "").lower() == "refresh":
                self.bad.append("meta refresh")

    def handle_data(self, data):
        self.text.append(data)


class Timeout(Exception):
    pass


def chromium(args, profile, timeout=60):
    """Runs headless Chromium in its own process group, killed (by that group's id) if it outlives
    `timeout`: a page whose script opened an alert() never finishes loading."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           "--user-data-dir=" + profile] + args
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise Timeout("chromium %s did not finish in %d s" % (" ".join(args), timeout))
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # renderer or zygote children left behind
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def png_is_drawn(path):
    """True if `path` is a PNG whose pixels are not all one value."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False, "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    distinct = len(set(raw[i] for i in range(0, len(raw), 7)))
    if width < 100 or height < 100:
        return False, "%dx%d is too small" % (width, height)
    if distinct < 8:
        return False, "only %d distinct byte values: blank" % distinct
    return True, "%dx%d, %d bytes, %d distinct sampled values" % (width, height, len(data), distinct)


def check_dom(dom_text, expect_text):
    dom = Dom()
    dom.feed(dom_text)
    text = "".join(dom.text)
    problems = list(dom.bad)
    for s in expect_text:
        if s not in text:
            problems.append("missing as text: %r" % s)
    if "svg" not in dom.tags or "rect" not in dom.tags:
        problems.append("no SVG chart in the DOM")
    return problems


def probe_replies(page, want, profile, work):
    """Loads a copy of `page` with PROBE added; returns (problems, cards, cards that need a look)."""
    with open(page, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    # the list of strings to find goes in as JSON text inside a <script type> the page never runs
    data = json.dumps(want).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("</body>", '<script type="application/json" id="probe-want">%s</script>\n%s\n</body>'
                        % (data, PROBE))
    copy = os.path.join(work, "probe.html")
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text)
    r = chromium(["--window-size=412,2400", "--dump-dom", "file://" + copy], profile)
    dom = r.stdout.decode("utf-8", "replace")
    m = re.search(r'data-probe="([^"]*)"', dom)
    if not m:
        return ["the probe did not run: " + r.stderr.decode("utf-8", "replace")[-500:]], 0, 0
    out = json.loads(html.unescape(m.group(1)))
    return out["problems"], out["cards"], out["look"]


def main():
    mkstate = sys.argv[1]
    mailer = os.environ["MAILER"]
    work = tempfile.mkdtemp(prefix="report_chromium.")
    profile = tempfile.mkdtemp(prefix="report_chromium_profile.")
    try:
        # Negative control: the checks must catch an unescaped payload, and a script that runs
        # must show in the dumped DOM (the marker attribute it sets).
        control = os.path.join(work, "control.html")
        with open(control, "w") as f:
            f.write("<!DOCTYPE html><html><body><svg><rect/></svg><p>x</p>"
                    "<p>\"><img src=x onerror=\"document.body.setAttribute('data-ran','1')\"></p></body></html>")
        r = chromium(["--dump-dom", "file://" + control], profile)
        dom = r.stdout.decode("utf-8", "replace")
        if not check_dom(dom, []) or "data-ran" not in dom:
            print("FAIL: the negative control was not caught")
            return 1
        print("negative control caught:", "; ".join(check_dom(dom, [])))

        state = os.path.join(work, "state.db")
        subprocess.run([mkstate, state], check=True)
        conf = os.path.join(work, "mailer.conf")
        with open(conf, "w") as f:
            f.write("[newsletter]\nstate = state.db\n")
        page = os.path.join(work, "report.html")
        env = dict(os.environ, MAILER_NOW="2026-12-07T09:00:00Z")
        subprocess.run([mailer, "-c", conf, "report", "--format", "html", "-o", page], check=True, env=env)

        shot = os.path.join(work, "shot.png")
        r = chromium(["--window-size=412,2400", "--screenshot=" + shot, "file://" + page], profile)
        if not os.path.exists(shot):
            print("FAIL: no screenshot; chromium said:", r.stderr.decode("utf-8", "replace")[-2000:])
            return 1
        ok, why = png_is_drawn(shot)
        print("screenshot:", why)
        if not ok:
            return 1

        # printing: a PDF of a few pages (the print stylesheet keeps sections whole)
        pdf = os.path.join(work, "report.pdf")
        chromium(["--print-to-pdf=" + pdf, "--no-pdf-header-footer", "file://" + page], profile)
        pdf_data = open(pdf, "rb").read() if os.path.exists(pdf) else b""
        m = re.search(rb"/Count (\d+)", pdf_data)
        pages = int(m.group(1)) if m else 0
        print("print: PDF of %d bytes, %d page(s)" % (len(pdf_data), pages))
        if not pdf_data.startswith(b"%PDF") or not 1 <= pages <= 6:
            print("FAIL: printing gave no sensible PDF")
            return 1

        try:
            r = chromium(["--dump-dom", "file://" + page], profile)
        except Timeout as e:
            print("FAIL: %s: an alert() opened by an injected script blocks the page like this" % e)
            return 1
        dom = r.stdout.decode("utf-8")
        if "<html" not in dom:
            print("FAIL: no DOM dumped; chromium said:", r.stderr.decode("utf-8", "replace")[-2000:])
            return 1
        problems = check_dom(dom, HOSTILE + HOSTILE_WORDS)
        for p in problems:
            print("FAIL:", p)
        if problems:
            return 1
        print("DOM: %d bytes, hostile answers present as text, no script, no external reference" % len(dom))

        # the probe must catch a hidden Replies part and a reply made into markup (negative control)
        bad = os.path.join(work, "bad.html")
        with open(page, encoding="utf-8") as f:
            good = f.read()
        with open(bad, "w", encoding="utf-8") as f:
            f.write(good.replace("</style>", "#replies article{display:none}</style>")
                    .replace("P.S. Tom &amp; Jerry&#39;s &#39;quote&#39; &lt;/blockquote&gt;&lt;b&gt;bold&lt;/b&gt;",
                             "P.S. <b>bold</b>"))
        problems, _, _ = probe_replies(bad, HOSTILE_WORDS, profile, work)
        if not any("not visible" in p for p in problems) or not any("bold" in p for p in problems):
            print("FAIL: the Replies probe did not catch a hidden card and a reply made into markup:", problems)
            return 1
        print("Replies probe negative control caught: %d problem(s)" % len(problems))

        problems, cards, look = probe_replies(page, HOSTILE_WORDS, profile, work)
        for p in problems:
            print("FAIL (main fixture, Replies):", p)
        if problems or (cards, look) != (7, 3):
            print("FAIL: main fixture: %d reply cards, %d need a look; expected 7 and 3" % (cards, look))
            return 1
        print("Replies (main fixture): %d cards visible, %d that need a look first" % (cards, look))

        # the replies fixture: prose, requests in words, hostile words, contact sentence and name
        rstate = os.path.join(work, "replies.db")
        subprocess.run([mkstate, "--replies", rstate], check=True)
        rconf = os.path.join(work, "replies.conf")
        with open(rconf, "w") as f:
            f.write("[newsletter]\nstate = replies.db\n")
        rpage = os.path.join(work, "replies.html")
        subprocess.run([mailer, "-c", rconf, "report", "--format", "html", "-o", rpage], check=True, env=env)
        try:
            r = chromium(["--dump-dom", "file://" + rpage], profile)
        except Timeout as e:
            print("FAIL: replies fixture: %s" % e)
            return 1
        problems = check_dom(r.stdout.decode("utf-8"), HOSTILE_REPLIES)
        p2, cards, look = probe_replies(rpage, HOSTILE_REPLIES, profile, work)
        problems += p2
        if (cards, look) != (10, 4):
            problems.append("%d reply cards, %d need a look; expected 10 and 4" % (cards, look))
        for p in problems:
            print("FAIL (replies fixture):", p)
        if problems:
            return 1
        print("Replies (replies fixture): %d cards visible, %d that need a look first, hostile words as text"
              % (cards, look))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
