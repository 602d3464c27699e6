#!/usr/bin/env python3
"""Browser tests: a coordinator's day in headless Chromium, against a real
node started here.

The flow is the one a new coordinator and volunteer go through: the admin's
first run, a resident's request through the public form on a phone, the
coordinator editing it, linking it to a new member and asking a volunteer
found by name, the volunteer accepting on a phone with the link in the mail
(sent to a TLS mail server on loopback that this script starts), hours, the
request done, the year's reports.

Every page state on the way is checked at phone (390x844) and desktop
(1280x900) width with axe-core (WCAG 2.1 A and AA, zero violations allowed),
is measured at 320 px (no page may be wider than the screen) and is
photographed; the header may take at most two lines on a phone. The whole
flow then runs once more with JavaScript switched off.

Usage: day.py --binary target/debug/noaber --axe axe.min.js --shots DIR
"""

import argparse
import base64
import os
import quopri
import re
import shutil
import socket
import subprocess
import sys
import ssl
import tempfile
import threading
import time
import traceback
import urllib.request

import trustme
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

SIZES = (("phone", 390, 844), ("desktop", 1280, 900))
NARROWEST = 320
ADMIN_PASSWORD = "fiets langs de IJssel"
COORD_PASSWORD = "koffie in het buurthuis"
JAN_PASSWORD = "boodschappen op dinsdag"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Smtp:
    """A mail server on loopback that speaks TLS from the first byte, with
    a certificate from a throwaway authority the node is told to trust. It
    keeps every mail it gets."""

    def __init__(self, folder):
        ca = trustme.CA()
        self.ca_file = os.path.join(folder, "mail-ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(self.ctx)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.mails = []
        self.lock = threading.Lock()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.talk, args=(conn,), daemon=True).start()

    def talk(self, conn):
        try:
            with self.ctx.wrap_socket(conn, server_side=True) as s, s.makefile("rwb") as f:
                def say(text):
                    f.write(text.encode() + b"\r\n")
                    f.flush()

                say("220 browser-test ESMTP")
                to = []
                while True:
                    line = f.readline()
                    if not line:
                        return
                    cmd = line.decode(errors="replace").strip()
                    upper = cmd.upper()
                    if upper.startswith(("EHLO", "HELO")):
                        say("250-browser-test")
                        say("250 8BITMIME")
                    elif upper.startswith("RCPT TO"):
                        to.append(cmd.split(":", 1)[1].strip().strip("<>"))
                        say("250 ok")
                    elif upper == "DATA":
                        say("354 end with a dot")
                        data = []
                        while True:
                            part = f.readline()
                            if not part or part.rstrip(b"\r\n") == b".":
                                break
                            data.append(part[1:] if part.startswith(b"..") else part)
                        body = quopri.decodestring(b"".join(data)).decode(errors="replace")
                        with self.lock:
                            self.mails.append((list(to), body))
                        to = []
                        say("250 queued")
                    elif upper == "QUIT":
                        say("221 bye")
                        return
                    else:
                        say("250 ok")
        except (OSError, ssl.SSLError):
            pass

    def answer_link(self, to, timeout=30):
        """The answer link in the newest mail to `to`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for rcpt, body in reversed(self.mails):
                    found = re.search(r"(/antwoord\?code=[A-Za-z0-9_-]+)", body)
                    if to in rcpt and found:
                        return found.group(1)
            time.sleep(0.2)
        raise AssertionError(f"no mail with an answer link reached {to}")


class Node:
    """A node on a fresh data directory, not set up yet."""

    def __init__(self, binary, log_dir, name, smtp):
        self.dir = tempfile.mkdtemp(prefix="noaber-browser-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            {
                "NOABER_DATA_DIR": os.path.join(self.dir, "data"),
                "NOABER_SERVER_LISTEN": f"127.0.0.1:{self.port}",
                "RUST_LOG": "info",
                "NOABER_MAIL_SMTP_HOST": "127.0.0.1",
                "NOABER_MAIL_SMTP_PORT": str(smtp.port),
                "NOABER_MAIL_SMTP_SECURITY": "tls",
                "NOABER_MAIL_FROM": "Stadsdorp Assendorp <noreply@assendorp.example.nl>",
                "NOABER_MAIL_CA_FILE": smtp.ca_file,
                "NOABER_MAIL_RETRY_BASE_SECONDS": "1",
            }
        )
        self.log_path = os.path.join(log_dir, f"node-{name}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"the node stopped at start; see {self.log_path}")
            time.sleep(0.2)
        raise SystemExit(f"the node did not get ready; see {self.log_path}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Browser:
    """One Chromium with the checks every page state gets."""

    def __init__(self, run, base, js):
        self.run = run
        self.base = base
        self.js = js
        opts = webdriver.ChromeOptions()
        opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--lang=nl-NL",
            "--window-size=1280,900",
            "--hide-scrollbars",
        ):
            opts.add_argument(arg)
        prefs = {"intl.accept_languages": "nl-NL,nl"}
        if not js:
            prefs["profile.managed_default_content_settings.javascript"] = 2
        opts.add_experimental_option("prefs", prefs)
        service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
        self.d = webdriver.Chrome(options=opts, service=service)
        self.d.set_page_load_timeout(30)

    def quit(self):
        self.d.quit()

    # -- viewport ---------------------------------------------------------
    def size(self, width, height):
        self.d.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )

    def content_size(self):
        m = self.d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        c = m.get("cssContentSize") or m["contentSize"]
        return c["width"], c["height"]

    def element_box(self, selector):
        """The box of the first element matching `selector`, via DevTools
        (works with JavaScript off)."""
        doc = self.d.execute_cdp_cmd("DOM.getDocument", {"depth": 0})
        found = self.d.execute_cdp_cmd(
            "DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector}
        )
        if not found.get("nodeId"):
            return None
        model = self.d.execute_cdp_cmd("DOM.getBoxModel", {"nodeId": found["nodeId"]})["model"]
        return model["width"], model["height"]

    # -- navigation and forms ---------------------------------------------
    def go(self, path):
        self.d.get(self.base + path)

    def path(self):
        return re.sub(r"^https?://[^/]+", "", self.d.current_url)

    def text(self):
        return self.d.find_element(By.TAG_NAME, "body").text

    def fill(self, field_id, value):
        el = self.d.find_element(By.ID, field_id)
        el.clear()
        el.send_keys(value)

    def pick(self, field_id, visible_text):
        el = self.d.find_element(By.ID, field_id)
        for opt in el.find_elements(By.TAG_NAME, "option"):
            if opt.text.strip() == visible_text:
                opt.click()
                return
        raise AssertionError(f"no option {visible_text!r} in #{field_id}")

    def tick(self, field_id):
        el = self.d.find_element(By.ID, field_id)
        if not el.is_selected():
            self.d.find_element(By.CSS_SELECTOR, f"label[for='{field_id}']").click()

    def click_and_wait(self, el):
        """Clicks and waits until the next page has replaced this one."""
        old = self.d.find_element(By.TAG_NAME, "html")
        el.click()
        def replaced(_):
            try:
                old.is_enabled()
                return False
            except WebDriverException:
                # Stale, or (without JavaScript) no longer in any document.
                return True

        WebDriverWait(self.d, 20).until(replaced)
        WebDriverWait(self.d, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "body footer, body main")
        )

    def press(self, text):
        """Clicks the button or link whose text is `text` (as a person
        would, by what it says)."""
        for el in self.d.find_elements(By.CSS_SELECTOR, "button, a, input[type=submit]"):
            if el.is_displayed() and el.text.strip() == text:
                self.click_and_wait(el)
                return
        raise AssertionError(f"no button or link {text!r} on {self.path()}")

    def submit_main_form(self):
        form = self.d.find_element(By.CSS_SELECTOR, "main form[method=post]")
        self.click_and_wait(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    def expect(self, *texts):
        body = self.text()
        for t in texts:
            if t not in body:
                raise AssertionError(f"{self.path()}: expected {t!r} on the page")

    def expect_not(self, *texts):
        body = self.text()
        for t in texts:
            if t in body:
                raise AssertionError(f"{self.path()}: did not expect {t!r}")

    # -- the checks of a page state ----------------------------------------
    def check(self, name):
        self.run.states += 1
        step = f"{self.run.step:02d}-{name}"
        self.run.step += 1
        for label, width, height in SIZES:
            self.size(width, height)
            self.shot(f"{step}-{label}")
            if self.js:
                for v in self.axe():
                    self.run.fail(f"{name} at {label}: axe {v}")
            if label == "phone":
                for problem in self.phone_header_problems(height):
                    self.run.fail(f"{name} at phone width: {problem}")
        self.size(NARROWEST, 700)
        width, _ = self.content_size()
        if width > NARROWEST + 0.5:
            self.run.fail(f"{name}: {width:.0f} px wide at a {NARROWEST} px screen")
        self.size(1280, 900)

    def phone_header_problems(self, height):
        """The header takes at most a fifth of a phone screen, and shows
        who is logged in whenever the menu is there."""
        problems = []
        header = self.element_box(".site-header")
        who = self.element_box(".site-header .who")
        if self.element_box(".main-nav") and not (who and who[0] > 0 and who[1] > 0):
            problems.append("the logged-in name is not shown")
        if header and header[1] > 0.2 * height:
            problems.append(
                f"the header is {header[1]:.0f} px tall ({header[1] / height:.0%} of the screen)"
            )
        return problems

    def shot(self, name):
        width, height = self.content_size()
        data = self.d.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 12000), "scale": 1},
            },
        )
        with open(os.path.join(self.run.shots, f"{name}.png"), "wb") as f:
            f.write(base64.b64decode(data["data"]))

    def axe(self):
        self.d.execute_script(self.run.axe_source + "\nreturn true;")
        result = self.d.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
              .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help
                  + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
              .catch(e => done(['axe failed: ' + e]));
            """
        )
        return result


class Run:
    def __init__(self, args):
        self.binary = args.binary
        self.shots_root = args.shots
        with open(args.axe, encoding="utf-8") as f:
            self.axe_source = f.read()
        self.failures = []
        self.states = 0
        self.step = 1
        self.shots = ""

    def fail(self, message):
        print(f"  FAIL {message}", flush=True)
        self.failures.append(message)

    def log(self, message):
        print(f"[browser] {message}", flush=True)


def self_test(run, js):
    """The checks must be able to fail: a page with known faults is caught."""
    b = Browser(run, "", js)
    try:
        b.d.get(
            "data:text/html,<meta name='viewport' content='width=device-width'><title>t</title>"
            "<header class='site-header' style='height:400px'><nav class='main-nav'>m</nav></header>"
            "<form><input type='text' name='q'></form>"
            "<div style='width:600px'>breed</div>"
        )
        b.size(390, 844)
        if len(b.phone_header_problems(844)) != 2:
            run.fail("self-test: a tall header without a name was not caught")
        b.size(NARROWEST, 700)
        width, _ = b.content_size()
        if width <= NARROWEST:
            run.fail(f"self-test: a 600 px page measured {width} px wide")
        if js:
            found = " ".join(b.axe())
            if "label" not in found.split() or "html-has-lang" not in found:
                run.fail(f"self-test: axe missed known faults: {found!r}")
        b.d.get(
            "data:text/html,<meta name='viewport' content='width=device-width'><title>t</title>"
            "<p>smal</p>"
        )
        b.size(NARROWEST, 700)
        width, _ = b.content_size()
        if width > NARROWEST:
            run.fail(f"self-test: a narrow page measured {width} px wide")
        b.d.get("data:text/html,<title>uit</title><script>document.title='aan'</script>")
        if (b.d.title == "aan") != js:
            run.fail(f"self-test: JavaScript should be {'on' if js else 'off'}, title {b.d.title!r}")
    finally:
        b.quit()


def day(run, node, js, smtp):
    """The whole day; returns nothing, records failures on `run`."""
    admin = Browser(run, node.base, js)
    try:
        first_run(run, admin)
        resident_asks(run, node, js)
        coordinator_handles(run, node, js, smtp)
    finally:
        admin.quit()


def first_run(run, b):
    run.log("the admin's first run")
    b.go("/")
    assert b.path().startswith("/installatie"), b.path()
    b.check("installatie")
    b.fill("name", "Stadsdorp Assendorp")
    b.tick("kind-initiative")
    b.fill("place", "Zwolle")
    b.fill("base_url", b.base)
    b.fill("admin_name", "Bea Beheer")
    b.fill("admin_username", "beheerder")
    b.fill("admin_password", ADMIN_PASSWORD)
    b.submit_main_form()
    b.expect("Alles is ingericht")
    b.check("beheerder-start")

    # The public form's phone number.
    b.go("/instellingen/hulpformulier")
    b.fill("contact_phone", "038 421 0000")
    b.submit_main_form()
    b.expect("opgeslagen")

    # A volunteer: the member, the profile, then the login made for them.
    b.go("/leden/nieuw")
    b.check("lid-nieuw")
    b.fill("name", "Jan de Vries")
    b.fill("phone", "06 1234 5678")
    b.fill("email", "jan@example.nl")
    b.fill("neighbourhood", "Assendorp")
    b.tick("may_contact")
    b.submit_main_form()
    b.expect("Het nieuwe lid is ingeschreven")
    b.check("lid")
    b.press("Maak vrijwilliger")
    b.check("vrijwilliger-maken")
    b.tick("skills-0")
    b.tick("skills-1")
    b.submit_main_form()
    b.go("/gebruikers/nieuw")
    b.check("gebruiker-nieuw")
    b.fill("display_name", "Jan de Vries")
    b.fill("username", "jan")
    b.tick("role-volunteer")
    b.pick("volunteer", "Jan de Vries")
    b.fill("password", JAN_PASSWORD)
    b.submit_main_form()
    b.expect("hoort bij de vrijwilliger")
    b.go("/gebruikers/nieuw")
    b.fill("display_name", "Cora Coördinator")
    b.fill("username", "cora")
    b.tick("role-coordinator")
    b.fill("password", COORD_PASSWORD)
    b.submit_main_form()
    b.expect("De gebruiker is aangemaakt")
    b.check("gebruikers")
    b.go("/instellingen")
    b.press("E-mail")
    b.expect("E-mail staat aan")
    b.check("e-mail-instellingen")
    b.go("/menu")
    b.check("menu")
    b.press("Uitloggen")
    b.expect("U bent uitgelogd")


def resident_asks(run, node, js):
    run.log("a resident asks for help on a phone")
    b = Browser(run, node.base, js)
    try:
        b.size(390, 844)
        b.go("/")
        b.check("voorpagina")
        b.press("Hulp vragen")
        b.expect("Bij spoed: bel 112", "0384210000", "binnen 2 werkdagen")
        b.check("hulpformulier")
        b.size(390, 844)
        b.submit_main_form()
        b.expect("Er is een probleem", "Uw naam:")
        b.check("hulpformulier-fouten")
        b.size(390, 844)
        b.fill("name", "Renée Bakker")
        b.fill("contact", "038 421 1234")
        b.fill("description", "Mijn lamp in de gang moet opgehangen worden.")
        b.submit_main_form()
        b.expect("We hebben uw vraag ontvangen", "binnen 2 werkdagen")
        b.check("hulpformulier-bedankt")
    finally:
        b.quit()


def login(b, username, password):
    b.go("/inloggen")
    b.fill("username", username)
    b.fill("password", password)
    b.submit_main_form()
    b.expect("U bent ingelogd")


def coordinator_handles(run, node, js, smtp):
    run.log("the coordinator handles the request")
    c = Browser(run, node.base, js)
    jan = Browser(run, node.base, js)
    try:
        login(c, "cora", COORD_PASSWORD)
        # Cora asks for a mail when work comes in.
        c.go("/account")
        c.fill("email", "cora@example.nl")
        c.press("E-mailadres opslaan")
        c.expect("Uw e-mailadres voor meldingen is opgeslagen")
        c.check("account-meldingen")
        c.go("/")
        c.expect("Nieuwe hulpvragen (1)", "via de website")
        c.check("coordinator-start")
        c.press("overig: Renée Bakker")
        c.expect("Is dit een lid?", "0384211234")
        c.check("hulpvraag-nieuw")
        request_path = c.path()

        # Edit what the form did not ask.
        c.press("Hulpvraag wijzigen")
        c.check("hulpvraag-wijzigen")
        c.pick("category_id", "klusjes")
        c.fill("wanted_date", "15-03-2027")
        c.tick("urgency-2")
        c.submit_main_form()
        c.expect("De hulpvraag is gewijzigd", "klusjes", "15-03-2027")

        # She is not a member yet: register her from the request.
        c.press("Schrijf deze persoon in als nieuw lid")
        c.check("lid-uit-hulpvraag")
        c.fill("address", "Esweg 4")
        c.fill("neighbourhood", "Assendorp")
        c.submit_main_form()
        c.expect("aan het lid gekoppeld", "Esweg 4")
        assert c.path() == request_path, c.path()

        # Ask a volunteer by name.
        c.fill("vrijwilliger", "jan")
        c.press("Zoeken")
        c.check("iemand-anders-vragen")
        c.press("Vraag Jan de Vries")
        c.expect("krijgt een e-mail", "wacht op antwoord van Jan de Vries")
        c.expect_not("Hulpvraag afronden")
        c.check("hulpvraag-gevraagd")

        # Jan answers on his phone, with the link in his mail.
        jan.size(390, 844)
        jan.go(smtp.answer_link("jan@example.nl"))
        jan.expect("Wilt u helpen?", "klusjes", "15 maart 2027")
        jan.expect_not("Renée", "Esweg", "lamp")
        jan.check("antwoord-via-mail")
        jan.size(390, 844)
        jan.press("Ja, ik help")
        jan.expect("Dank u wel!", "U heeft ja gezegd")
        jan.check("antwoord-ja")
        jan.size(390, 844)
        jan.press("Naar Mijn taken")
        login(jan, "jan", JAN_PASSWORD)
        jan.press("Mijn taken")
        jan.expect("Renée Bakker", "Esweg 4")
        jan.check("taken")
        jan.size(390, 844)
        jan.go("/uren/nieuw")
        jan.check("uren-invullen")
        # Yesterday: never "in the future", whatever the clock's zone.
        jan.fill("date", time.strftime("%d-%m-%Y", time.gmtime(time.time() - 86400)))
        jan.fill("hours", "1,5")
        jan.submit_main_form()
        jan.expect("De uren zijn opgeslagen")
        jan.check("uren")

        # The coordinator sees the yes and closes the request.
        c.go(request_path)
        c.expect("gekoppeld", "Jan de Vries: doet het")
        c.check("hulpvraag-gekoppeld")
        c.press("Hulpvraag afronden")
        c.expect("afgerond")
        c.check("hulpvraag-afgerond")
        c.go("/hulpvragen?sorteer=spoed")
        c.check("hulpvragen")
        c.go("/uren")
        c.expect("Jan de Vries", "1,5")
        c.check("uren-overzicht")
        c.go("/menu")
        c.press("Overzichten")
        c.expect("Kerncijfers", "Uren per vrijwilliger", "Jan de Vries")
        c.check("overzichten")
        c.go("/activiteiten/nieuw")
        c.fill("title", "Koffieochtend")
        c.fill("date", "20-03-2027")
        c.fill("start_time", "10:00")
        c.fill("end_time", "12:00")
        c.fill("place", "Buurthuis De Linde")
        c.tick("public")
        c.submit_main_form()
        c.expect("10:00–12:00", "Buurthuis De Linde")
        c.fill("lid", "renee")
        c.press("Zoeken")
        c.press("Meld aan: Renée Bakker")
        c.expect("Aangemeld (1)")
        c.check("activiteit")
        c.go("/leden?q=renee")
        c.expect("Renée Bakker")
        c.check("leden-zoeken")
    finally:
        c.quit()
        jan.quit()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", required=True)
    p.add_argument("--axe", required=True, help="axe.min.js")
    p.add_argument("--shots", required=True, help="folder for the screenshots")
    args = p.parse_args()
    run = Run(args)
    for js in (True, False):
        label = "js-on" if js else "js-off"
        run.shots = os.path.join(args.shots, label)
        os.makedirs(run.shots, exist_ok=True)
        run.step = 1
        run.log(f"the coordinator's day with JavaScript {'on' if js else 'off'}")
        self_test(run, js)
        smtp = Smtp(args.shots)
        node = Node(args.binary, args.shots, label, smtp)
        before = len(run.failures)
        try:
            day(run, node, js, smtp)
            if len(run.failures) == before:
                run.log(f"PASSED: the day with JavaScript {'on' if js else 'off'}")
        except (AssertionError, WebDriverException) as e:
            # Where in the flow, not the driver's own stack.
            where = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
            line = f" (day.py line {where[-1].lineno}: {where[-1].line})" if where else ""
            message = getattr(e, "msg", None) or str(e)
            run.fail(f"{label}: {message.splitlines()[0] if message else type(e).__name__}{line}")
        finally:
            node.stop()
    print(f"[browser] {run.states} page states checked; screenshots in {args.shots}")
    if run.failures:
        print(f"[browser] FAILED: {len(run.failures)} problem(s)")
        for f in run.failures:
            print(f"  - {f}")
        sys.exit(1)
    print("[browser] all checks passed")


if __name__ == "__main__":
    main()
