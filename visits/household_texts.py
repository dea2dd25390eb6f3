"""The household's page in the household's own language: its handful of texts, and dates and times.

Why a table and not gettext: the staff interface is translated through .po catalogs for its two
languages (Swedish, English), but households read Arabic, Sorani, Somali, Tigrinya, Amharic, Dari,
Persian… for which the project has no catalogs. Under gettext, a language without a catalog does not
even fall back to English: Django falls back to LANGUAGE_CODE, so a Somali household would get a page
half in Swedish. Here every language's page is whole, in one place, and one staff member who speaks
the language can review it. A household whose languages are all missing here gets the English page.

TO BE APPROVED: the texts other than Swedish and English were written without a native speaker. They
await review by staff who speak each language (as message texts do: messaging.MessageTemplate.approved).

Weekday and month names, and the order of date parts, come from CLDR through Babel (a dependency
already, for the languages catalogue), so no one has to translate them.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton

from visits.scheduling import STOCKHOLM

FALLBACK = "en"

# One entry per key in every language; test_household_page checks that none is missing.
PAGE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your welcome visit",
        "about": (
            "A welcome visit to your new home. We explain rent, fault reports, the laundry room, "
            "waste sorting and fire safety."
        ),
        "your_visit": "Your visit",
        "when": "When",
        "visitor": "Visitor",
        "address": "Address",
        "interpreter": "An interpreter will take part.",
        "confirm": "Confirm the time",
        "ask_other": "Ask for another time",
        "choose": "Choose one of these times",
        "or_write": "Or write when suits you",
        "send": "Send",
        "thanks": "Thank you",
        "thanks_confirmed": "The time is confirmed. See you then!",
        "thanks_change": "We have received your wish and will contact you about a new time.",
        "confirmed": "You have confirmed this time.",
        "change_pending": "You have asked for another time. We will contact you.",
        "empty": "Choose a time or write when suits you.",
        "time_not_offered": "That time is no longer free. Please choose another.",
        "too_long": "Please write a shorter message.",
        "invalid": ("This link no longer works. If you have questions about your visit, please contact your landlord."),
    },
    "sv": {
        "title": "Ditt välkomstbesök",
        "about": (
            "Ett välkomstbesök i ditt nya hem. Vi berättar om hyran, felanmälan, tvättstugan, "
            "sopsorteringen och brandsäkerheten."
        ),
        "your_visit": "Ditt besök",
        "when": "När",
        "visitor": "Besökare",
        "address": "Adress",
        "interpreter": "En tolk är med.",
        "confirm": "Bekräfta tiden",
        "ask_other": "Be om en annan tid",
        "choose": "Välj en av de här tiderna",
        "or_write": "Eller skriv när det passar dig",
        "send": "Skicka",
        "thanks": "Tack",
        "thanks_confirmed": "Tiden är bekräftad. Vi ses då!",
        "thanks_change": "Vi har fått ditt önskemål och hör av oss om en ny tid.",
        "confirmed": "Du har bekräftat den här tiden.",
        "change_pending": "Du har bett om en annan tid. Vi hör av oss.",
        "empty": "Välj en tid eller skriv när det passar dig.",
        "time_not_offered": "Den tiden är inte längre ledig. Välj en annan.",
        "too_long": "Skriv ett kortare meddelande.",
        "invalid": ("Den här länken fungerar inte längre. Har du frågor om ditt besök, kontakta din hyresvärd."),
    },
    # Arabic (Modern Standard).
    "ar": {
        "title": "زيارة الترحيب الخاصة بك",
        "about": (
            "زيارة ترحيب في منزلك الجديد. نشرح لك الإيجار، والإبلاغ عن الأعطال، وغرفة الغسيل، "
            "وفرز النفايات، والسلامة من الحرائق."
        ),
        "your_visit": "زيارتك",
        "when": "الموعد",
        "visitor": "الزائر",
        "address": "العنوان",
        "interpreter": "سيحضر مترجم.",
        "confirm": "تأكيد الموعد",
        "ask_other": "طلب موعد آخر",
        "choose": "اختر أحد هذه المواعيد",
        "or_write": "أو اكتب الوقت الذي يناسبك",
        "send": "إرسال",
        "thanks": "شكرًا لك",
        "thanks_confirmed": "تم تأكيد الموعد. نراك قريبًا!",
        "thanks_change": "وصلنا طلبك، وسنتواصل معك بشأن موعد جديد.",
        "confirmed": "لقد أكدت هذا الموعد.",
        "change_pending": "لقد طلبت موعدًا آخر. سنتواصل معك.",
        "empty": "اختر موعدًا أو اكتب الوقت الذي يناسبك.",
        "time_not_offered": "هذا الموعد لم يعد متاحًا. يرجى اختيار موعد آخر.",
        "too_long": "يرجى كتابة رسالة أقصر.",
        "invalid": "هذا الرابط لم يعد صالحًا. إذا كانت لديك أسئلة حول زيارتك، يرجى التواصل مع المؤجِّر.",
    },
    # Central Kurdish (Sorani), Arabic script.
    "ckb": {
        "title": "سەردانی بەخێرهاتنی تۆ",
        "about": (
            "سەردانێکی بەخێرهاتن لە ماڵە نوێیەکەت. باسی کرێ، ڕاگەیاندنی تێکچوون، جلشۆرخانە، "
            "جیاکردنەوەی خاشاک و پاراستن لە ئاگر دەکەین."
        ),
        "your_visit": "سەردانەکەت",
        "when": "کات",
        "visitor": "سەردانکەر",
        "address": "ناونیشان",
        "interpreter": "وەرگێڕێک بەشداری دەکات.",
        "confirm": "کاتەکە پشتڕاست بکەرەوە",
        "ask_other": "داوای کاتێکی تر بکە",
        "choose": "یەکێک لەم کاتانە هەڵبژێرە",
        "or_write": "یان بنووسە کەی بۆت گونجاوە",
        "send": "ناردن",
        "thanks": "سوپاس",
        "thanks_confirmed": "کاتەکە پشتڕاست کرایەوە. دەتبینین!",
        "thanks_change": "داواکارییەکەت گەیشت. دەربارەی کاتێکی نوێ پەیوەندیت پێوە دەکەین.",
        "confirmed": "تۆ ئەم کاتەت پشتڕاست کردۆتەوە.",
        "change_pending": "تۆ داوای کاتێکی ترت کردووە. پەیوەندیت پێوە دەکەین.",
        "empty": "کاتێک هەڵبژێرە یان بنووسە کەی بۆت گونجاوە.",
        "time_not_offered": "ئەو کاتە ئیتر بەتاڵ نییە. تکایە کاتێکی تر هەڵبژێرە.",
        "too_long": "تکایە نامەیەکی کورتتر بنووسە.",
        "invalid": (
            "ئەم بەستەرە ئیتر کار ناکات. ئەگەر پرسیارت دەربارەی سەردانەکەت هەیە، "
            "تکایە پەیوەندی بە خاوەن خانووەکەوە بکە."
        ),
    },
    "so": {
        "title": "Booqashadaada soo dhaweynta",
        "about": (
            "Booqasho soo dhaweyn ah oo gurigaaga cusub. Waxaan kuu sharaxaynaa kirada, ka warbixinta "
            "cilladaha, qolka dharka lagu dhaqo, kala soocidda qashinka iyo badbaadada dabka."
        ),
        "your_visit": "Booqashadaada",
        "when": "Goorma",
        "visitor": "Booqdaha",
        "address": "Cinwaanka",
        "interpreter": "Turjubaan ayaa joogi doona.",
        "confirm": "Xaqiiji waqtiga",
        "ask_other": "Codso waqti kale",
        "choose": "Dooro mid ka mid ah waqtiyadan",
        "or_write": "Ama qor waqtiga kugu habboon",
        "send": "Dir",
        "thanks": "Mahadsanid",
        "thanks_confirmed": "Waqtiga waa la xaqiijiyay. Markaas ayaan is arki doonnaa!",
        "thanks_change": "Codsigaaga waan helnay, waxaana kula soo xiriiri doonnaa waqti cusub.",
        "confirmed": "Waad xaqiijisay waqtigan.",
        "change_pending": "Waxaad codsatay waqti kale. Waan kula soo xiriiri doonnaa.",
        "empty": "Dooro waqti ama qor waqtiga kugu habboon.",
        "time_not_offered": "Waqtigaas hadda ma bannaana. Fadlan dooro mid kale.",
        "too_long": "Fadlan qor fariin ka gaaban.",
        "invalid": (
            "Linkigan hadda ma shaqeynayo. Haddii aad su'aalo ka qabto booqashadaada, "
            "fadlan la xiriir mulkiilaha guriga."
        ),
    },
    "ti": {
        "title": "ናይ እንቋዕ ብደሓን መጻእኩም ምብጻሕ",
        "about": (
            "ኣብ ሓድሽ ገዛኹም ናይ እንቋዕ ብደሓን መጻእኩም ምብጻሕ። ብዛዕባ ክራይ፡ ምሕባር ብልሽት፡ መሕጸቢ ክዳውንቲ፡ ምፍላይ ጓሓፍ ከምኡ'ውን ድሕንነት ካብ ሓዊ ንገልጸልኩም።"
        ),
        "your_visit": "ምብጻሕኩም",
        "when": "መዓስ",
        "visitor": "በጻሒ",
        "address": "ኣድራሻ",
        "interpreter": "ተርጓሚ ክሳተፍ እዩ።",
        "confirm": "ሰዓት ኣረጋግጹ",
        "ask_other": "ካልእ ሰዓት ሕተቱ",
        "choose": "ካብዞም ሰዓታት ሓደ ምረጹ",
        "or_write": "ወይ ዝጥዕመኩም ግዜ ጽሓፉ",
        "send": "ስደዱ",
        "thanks": "የቐንየልና",
        "thanks_confirmed": "እቲ ሰዓት ተረጋጊጹ ኣሎ። ክሳብ ሽዑ!",
        "thanks_change": "ሕቶኹም በጺሑና ኣሎ። ብዛዕባ ሓድሽ ሰዓት ክንረኽበኩም ኢና።",
        "confirmed": "ነዚ ሰዓት ኣረጋጊጽኩሞ ኣለኹም።",
        "change_pending": "ካልእ ሰዓት ሓቲትኩም ኣለኹም። ክንረኽበኩም ኢና።",
        "empty": "ሰዓት ምረጹ ወይ ዝጥዕመኩም ግዜ ጽሓፉ።",
        "time_not_offered": "እቲ ሰዓት ደጊም ነጻ ኣይኮነን። በጃኹም ካልእ ምረጹ።",
        "too_long": "በጃኹም ሓጺር መልእኽቲ ጽሓፉ።",
        "invalid": "እዚ ሊንክ ደጊም ኣይሰርሕን እዩ። ብዛዕባ ምብጻሕኩም ሕቶ እንተሃልዩኩም፡ በጃኹም ንዋና ገዛ ተወከሱ።",
    },
    "am": {
        "title": "የእንኳን ደህና መጡ ጉብኝትዎ",
        "about": (
            "በአዲሱ ቤትዎ የእንኳን ደህና መጡ ጉብኝት። ስለ ኪራይ፣ ብልሽትን ሪፖርት ስለማድረግ፣ ስለ ልብስ ማጠቢያ ክፍል፣ "
            "ስለ ቆሻሻ መለየት እና ስለ እሳት ደህንነት እናስረዳዎታለን።"
        ),
        "your_visit": "ጉብኝትዎ",
        "when": "መቼ",
        "visitor": "ጎብኚ",
        "address": "አድራሻ",
        "interpreter": "አስተርጓሚ ይገኛል።",
        "confirm": "ሰዓቱን ያረጋግጡ",
        "ask_other": "ሌላ ሰዓት ይጠይቁ",
        "choose": "ከእነዚህ ሰዓቶች አንዱን ይምረጡ",
        "or_write": "ወይም የሚመችዎትን ጊዜ ይጻፉ",
        "send": "ላክ",
        "thanks": "እናመሰግናለን",
        "thanks_confirmed": "ሰዓቱ ተረጋግጧል። እንገናኝ!",
        "thanks_change": "ጥያቄዎን ተቀብለናል፤ ስለ አዲስ ሰዓት እናገኝዎታለን።",
        "confirmed": "ይህንን ሰዓት አረጋግጠዋል።",
        "change_pending": "ሌላ ሰዓት ጠይቀዋል። እናገኝዎታለን።",
        "empty": "ሰዓት ይምረጡ ወይም የሚመችዎትን ጊዜ ይጻፉ።",
        "time_not_offered": "ያ ሰዓት ከአሁን በኋላ ነፃ አይደለም። እባክዎ ሌላ ይምረጡ።",
        "too_long": "እባክዎ አጠር ያለ መልእክት ይጻፉ።",
        "invalid": "ይህ ሊንክ ከአሁን በኋላ አይሰራም። ስለ ጉብኝትዎ ጥያቄ ካለዎት እባክዎ አከራይዎን ያነጋግሩ።",
    },
    # Dari (Afghan Persian): its own words where they differ from Iranian Persian (وقت، آدرس، کرایه، تشکر).
    "prs": {
        "title": "ملاقات خوش‌آمدید شما",
        "about": (
            "یک ملاقات خوش‌آمدید در خانهٔ نو شما. در بارهٔ کرایه، گزارش خرابی، کالاشویی، "
            "جدا کردن زباله و مصئونیت از آتش‌سوزی معلومات می‌دهیم."
        ),
        "your_visit": "ملاقات شما",
        "when": "وقت",
        "visitor": "ملاقات‌کننده",
        "address": "آدرس",
        "interpreter": "یک ترجمان حاضر می‌باشد.",
        "confirm": "تأیید وقت",
        "ask_other": "درخواست وقت دیگر",
        "choose": "یکی از این وقت‌ها را انتخاب کنید",
        "or_write": "یا بنویسید چه وقت برای تان مناسب است",
        "send": "فرستادن",
        "thanks": "تشکر",
        "thanks_confirmed": "وقت تأیید شد. به امید دیدار!",
        "thanks_change": "درخواست شما را گرفتیم و در بارهٔ وقت نو با شما تماس می‌گیریم.",
        "confirmed": "شما این وقت را تأیید کرده‌اید.",
        "change_pending": "شما وقت دیگری درخواست کرده‌اید. با شما تماس می‌گیریم.",
        "empty": "یک وقت انتخاب کنید یا بنویسید چه وقت برای تان مناسب است.",
        "time_not_offered": "این وقت دیگر خالی نیست. لطفاً وقت دیگری انتخاب کنید.",
        "too_long": "لطفاً پیام کوتاه‌تر بنویسید.",
        "invalid": ("این لینک دیگر کار نمی‌کند. اگر در بارهٔ ملاقات خود سوالی دارید، لطفاً با صاحب خانه تماس بگیرید."),
    },
    # Persian (Iranian).
    "fa": {
        "title": "دیدار خوشامدگویی شما",
        "about": (
            "دیداری برای خوشامدگویی در خانهٔ تازه‌تان. دربارهٔ اجاره، گزارش خرابی، رختشوی‌خانه، "
            "تفکیک زباله و ایمنی در برابر آتش توضیح می‌دهیم."
        ),
        "your_visit": "دیدار شما",
        "when": "زمان",
        "visitor": "بازدیدکننده",
        "address": "نشانی",
        "interpreter": "یک مترجم حضور خواهد داشت.",
        "confirm": "تأیید زمان",
        "ask_other": "درخواست زمانی دیگر",
        "choose": "یکی از این زمان‌ها را انتخاب کنید",
        "or_write": "یا بنویسید چه زمانی برایتان مناسب است",
        "send": "ارسال",
        "thanks": "سپاس",
        "thanks_confirmed": "زمان تأیید شد. به امید دیدار!",
        "thanks_change": "درخواست شما را دریافت کردیم و دربارهٔ زمان تازه با شما تماس می‌گیریم.",
        "confirmed": "شما این زمان را تأیید کرده‌اید.",
        "change_pending": "شما زمان دیگری درخواست کرده‌اید. با شما تماس می‌گیریم.",
        "empty": "یک زمان انتخاب کنید یا بنویسید چه زمانی برایتان مناسب است.",
        "time_not_offered": "این زمان دیگر آزاد نیست. لطفاً زمان دیگری انتخاب کنید.",
        "too_long": "لطفاً پیام کوتاه‌تری بنویسید.",
        "invalid": ("این پیوند دیگر کار نمی‌کند. اگر دربارهٔ دیدارتان پرسشی دارید، لطفاً با صاحب‌خانه تماس بگیرید."),
    },
}

# The order in which the "link no longer works" text is shown when nothing tells whose link it was.
INVALID_PAGE_ORDER = ["sv", "en", "ar", "ckb", "so", "ti", "am", "prs", "fa"]

# Languages whose codes CLDR spells differently.
CLDR_LOCALES = {"prs": "fa_AF"}


def page_language(codes: Sequence[str]) -> str:
    """The household's most preferred language that the page has texts in, else English."""
    return next((code for code in codes if code in PAGE_TEXTS), FALLBACK)


def page_texts(code: str) -> dict[str, str]:
    return PAGE_TEXTS.get(code, PAGE_TEXTS[FALLBACK])


@dataclass(frozen=True)
class When:
    weekday: str  # "måndag"
    date: str  # "3 mars"
    time: str  # "10:00–11:00", or "10:00" without an end


def format_when(start: datetime.datetime, end: datetime.datetime | None, code: str) -> When:
    """A moment as the household reads it, in Stockholm time (where the visit happens)."""
    locale = _locale(code)
    start = start.astimezone(STOCKHOLM)
    if end is None:
        time = format_skeleton("Hm", start, locale=locale, tzinfo=STOCKHOLM)
    else:
        time = format_interval(start, end.astimezone(STOCKHOLM), "Hm", locale=locale, tzinfo=STOCKHOLM)
    return When(
        weekday=format_date(start, "EEEE", locale=locale),
        date=format_skeleton("MMMMd", start, locale=locale, tzinfo=STOCKHOLM),
        time=time,
    )


def _locale(code: str) -> Locale:
    try:
        return Locale.parse(CLDR_LOCALES.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK)
