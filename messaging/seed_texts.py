"""The first message texts: five household kinds in the nine languages the demo team speaks.

THE SWEDISH AND ENGLISH TEXTS ARE WRITTEN BY THE TEAM AND START APPROVED. EVERY OTHER TEXT HERE (Arabic,
Sorani, Somali, Tigrinya, Amharic, Dari, Persian) IS A DRAFT AWAITING APPROVAL BY A STAFF MEMBER WHO SPEAKS
THE LANGUAGE: it was written without a native speaker and starts unapproved, and an unapproved text is
used only when no approved one exists (the issue's rule; choosing the text is the renderer's job). A
coordinator corrects it in the admin and a speaker ticks "approved".

The data migration messaging 0002 creates these rows once, through create_missing_texts(); after that the
texts live in the database and are the coordinators' to edit. Changing a text here changes nothing in a
database that already has the row: that is deliberate, so a migration can never undo a coordinator's edit.

How the texts are written (for whoever edits or adds one):
- One text goes by SMS and by e-mail, so the body stays near 300 characters, and the subject is short.
  The link to the household's page has a line of its own at the end of a sentence, never followed by a
  full stop (a phone would take the stop for part of the address), and in right-to-left texts that keeps
  the left-to-right address from being reordered into the middle of a sentence.
- The placeholders, as the message renderer fills them in the household's language (as
  visits.household_texts.format_when gives them): {day} the weekday ("onsdag"), {date} day and month
  ("14 maj"), {time} the clock time ("10:30", or "10:30–11:30"), {visitor} the visitor's
  first name, {link} the household's page where the time can be changed, {phone} customer service,
  {fault_report} where faults are reported (an address or a number). {day} and {date} are written side by
  side; a renderer that put the date into {day} would print it twice.
- The visitor may be a man or a woman, and gendered languages (Arabic, Somali, Tigrinya, Amharic) inflect
  the verb for it, so the texts name the visitor in a phrase without a verb ("Besökare: {visitor}"-style)
  rather than "{visitor} will come". A household is addressed in the plural where the language has a
  polite or plural "you" (Arabic, Sorani, Somali, Tigrinya, Amharic, Dari, Persian).
- Tigrinya and Amharic say "Swedish time" after the time: in Ethiopia (and partly Eritrea) the clock is
  counted from six in the morning, so "10:30" alone can be read as 04:30.
- Persian and Dari use the Persian letters ی and ک and the zero-width non-joiner (U+200C, invisible in
  most editors) in words such as می‌خواهیم; Arabic uses ي and ك.
"""

from typing import Any

# Kinds as the plain strings stored in the database (messaging.models.HOUSEHOLD_KINDS), not the Kind
# enum: the data migration imports this module, and must not change meaning if the model's enum does.
INVITATION = "invitation"
RESCHEDULED = "rescheduled"
REMINDER = "reminder"
CANCELLED = "cancelled"
THANK_YOU = "thank_you"

# Written (or checked) by the team; these start approved. The other seven are drafts.
APPROVED_LANGUAGES = {"sv", "en"}

_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    # --- Swedish ------------------------------------------------------------------------------------
    "sv": {
        INVITATION: (
            "Välkommen till ditt nya hem",
            "Hej! Välkommen till ditt nya hem. Vi vill gärna hälsa på och berätta om hyran, felanmälan, "
            "tvättstugan, sopsortering, brandsäkerhet och grannar.\n"
            "{visitor} kommer {day} {date} kl. {time}. Frågor? Ring {phone}.\n"
            "Passar inte tiden? Byt här: {link}",
        ),
        RESCHEDULED: (
            "Ny tid för ditt välkomstbesök",
            "Hej! Ditt välkomstbesök har fått en ny tid: {day} {date} kl. {time}. {visitor} kommer hem till dig. "
            "Frågor? Ring {phone}.\n"
            "Passar inte tiden? Byt här: {link}",
        ),
        REMINDER: (
            "Påminnelse om ditt välkomstbesök",
            "Hej! En påminnelse: {visitor} kommer på välkomstbesök {day} {date} kl. {time}. Frågor? Ring {phone}.\n"
            "Passar inte tiden längre? Byt här: {link}",
        ),
        CANCELLED: (
            "Ditt välkomstbesök är inställt",
            "Hej! Välkomstbesöket {day} {date} kl. {time} är inställt. Vill du ha en ny tid? "
            "Ring oss på {phone}, så hjälper vi dig.",
        ),
        THANK_YOU: (
            "Tack för att vi fick komma",
            "Hej! Tack för att vi fick komma hem till dig. Spara gärna det här:\n"
            "Kundservice: {phone}\n"
            "Felanmälan: {fault_report}\n"
            "Trivs i ditt nya hem! Hälsningar {visitor}",
        ),
    },
    # --- English ------------------------------------------------------------------------------------
    "en": {
        INVITATION: (
            "Welcome to your new home",
            "Hello! Welcome to your new home. We would like to visit you and tell you about rent, reporting "
            "faults, the laundry room, waste sorting, fire safety and neighbours.\n"
            "{visitor} will come on {day} {date} at {time}. Questions? Call {phone}.\n"
            "Need another time? Change it here: {link}",
        ),
        RESCHEDULED: (
            "New time for your welcome visit",
            "Hello! Your welcome visit has a new time: {day} {date} at {time}. {visitor} will come to your home. "
            "Questions? Call {phone}.\n"
            "If the time does not suit you, change it here: {link}",
        ),
        REMINDER: (
            "Reminder: your welcome visit",
            "Hello! A reminder: {visitor} is coming for your welcome visit on {day} {date} at {time}. "
            "Questions? Call {phone}.\n"
            "If the time no longer suits you, change it here: {link}",
        ),
        CANCELLED: (
            "Your welcome visit is cancelled",
            "Hello! Your welcome visit on {day} {date} at {time} is cancelled. Would you like a new time? "
            "Call us on {phone} and we will help you.",
        ),
        THANK_YOU: (
            "Thank you for having us",
            "Hello! Thank you for welcoming us into your home. Please keep this message:\n"
            "Customer service: {phone}\n"
            "Report a fault: {fault_report}\n"
            "Enjoy your new home! Best wishes, {visitor}",
        ),
    },
    # --- Arabic (Modern Standard, the household addressed in the plural) ----- DRAFT, not yet approved
    "ar": {
        INVITATION: (
            "أهلًا بكم في منزلكم الجديد",
            "مرحبًا! أهلًا بكم في منزلكم الجديد. يسعدنا أن نزوركم لنحدثكم عن "
            "الإيجار، والإبلاغ عن الأعطال، وغرفة الغسيل، وفرز النفايات، والسلامة من الحرائق، والجيران.\n"
            "موعد الزيارة: يوم {day} {date} الساعة {time}، مع {visitor}. للاستفسار اتصلوا بنا على {phone}.\n"
            "إذا لم يناسبكم الموعد يمكنكم تغييره هنا: {link}",
        ),
        RESCHEDULED: (
            "موعد جديد للزيارة الترحيبية",
            "مرحبًا! تم تحديد موعد جديد للزيارة الترحيبية: يوم {day} {date} الساعة {time}، مع {visitor}. "
            "للاستفسار اتصلوا بنا على {phone}.\n"
            "إذا لم يناسبكم الموعد يمكنكم تغييره هنا: {link}",
        ),
        REMINDER: (
            "تذكير بالزيارة الترحيبية",
            "مرحبًا! نذكّركم بالزيارة الترحيبية يوم {day} {date} الساعة {time}، مع {visitor}. "
            "للاستفسار اتصلوا بنا على {phone}.\n"
            "إذا لم يعد الموعد يناسبكم يمكنكم تغييره هنا: {link}",
        ),
        CANCELLED: (
            "إلغاء الزيارة الترحيبية",
            "مرحبًا! تم إلغاء الزيارة الترحيبية التي كانت يوم {day} {date} الساعة {time}. "
            "إذا كنتم ترغبون في موعد جديد فاتصلوا بنا على {phone} وسنساعدكم بكل سرور.",
        ),
        THANK_YOU: (
            "شكرًا لحسن استقبالكم",
            "مرحبًا! شكرًا لاستقبالكم لنا في منزلكم. نرجو الاحتفاظ بهذه الرسالة:\n"
            "خدمة العملاء: {phone}\n"
            "الإبلاغ عن الأعطال: {fault_report}\n"
            "نتمنى لكم حياة سعيدة في منزلكم الجديد! مع أطيب التحيات، {visitor}",
        ),
    },
    # --- Sorani (Central Kurdish, Arabic script) ------------------------------ DRAFT, not yet approved
    "ckb": {
        INVITATION: (
            "بەخێربێن بۆ ماڵە نوێیەکەتان",
            "سڵاو! بەخێربێن بۆ ماڵە نوێیەکەتان. دەمانەوێت سەردانتان بکەین و ئەمانەتان بۆ باس بکەین: "
            "کرێ، ڕاگەیاندنی تێکچوون، ژووری جلشۆردن، جیاکردنەوەی خاشاک، پاراستن لە ئاگر و دراوسێکان.\n"
            "کاتی سەردان: {day} {date} کاتژمێر {time}، لەگەڵ {visitor}. بۆ پرسیار پەیوەندیمان پێوە بکەن: {phone}\n"
            "ئەگەر کاتەکە گونجاو نییە، لێرە بیگۆڕن: {link}",
        ),
        RESCHEDULED: (
            "کاتێکی نوێ بۆ سەردانی بەخێرهاتن",
            "سڵاو! کاتێکی نوێ بۆ سەردانی بەخێرهاتن دانرا: {day} {date} کاتژمێر {time}، لەگەڵ {visitor}. "
            "بۆ پرسیار پەیوەندیمان پێوە بکەن: {phone}\n"
            "ئەگەر کاتەکە گونجاو نییە، لێرە بیگۆڕن: {link}",
        ),
        REMINDER: (
            "بیرخستنەوەی سەردانی بەخێرهاتن",
            "سڵاو! بیرتان دەخەینەوە کە سەردانی بەخێرهاتن {day} {date} کاتژمێر {time} دەبێت، لەگەڵ {visitor}. "
            "بۆ پرسیار پەیوەندیمان پێوە بکەن: {phone}\n"
            "ئەگەر کاتەکە ئیتر گونجاو نییە، لێرە بیگۆڕن: {link}",
        ),
        CANCELLED: (
            "سەردانی بەخێرهاتن هەڵوەشێنرایەوە",
            "سڵاو! سەردانی بەخێرهاتن کە بۆ {day} {date} کاتژمێر {time} دانرابوو هەڵوەشێنرایەوە. "
            "ئەگەر کاتێکی نوێتان دەوێت، پەیوەندیمان پێوە بکەن: {phone}، بە خۆشحاڵییەوە یارمەتیتان دەدەین.",
        ),
        THANK_YOU: (
            "سوپاس بۆ پێشوازییەکەتان",
            "سڵاو! سوپاس کە لە ماڵەکەتان پێشوازیتان لێ کردین. تکایە ئەم نامەیە هەڵبگرن:\n"
            "خزمەتگوزاری کڕیاران: {phone}\n"
            "ڕاگەیاندنی تێکچوون: {fault_report}\n"
            "ژیانێکی خۆش لە ماڵە نوێیەکەتان! لەگەڵ ڕێزدا، {visitor}",
        ),
    },
    # --- Somali (the household addressed in the plural) ---------------------- DRAFT, not yet approved
    "so": {
        INVITATION: (
            "Ku soo dhawaada gurigiinna cusub",
            "Salaan! Ku soo dhawaada gurigiinna cusub. Waxaan idin soo booqan doonnaa si aan idiinku sharaxno "
            "kirada, cillad sheegidda, qolka dharka lagu dhaqo, kala soocidda qashinka, ka hortagga dabka "
            "iyo deriska.\n"
            "Booqashada: {day} {date} saacadda {time}. Qofka idin soo booqanaya: {visitor}. "
            "Su'aalo? Na soo waca {phone}.\n"
            "Wakhtiga waxaad ka beddeli kartaan halkan: {link}",
        ),
        RESCHEDULED: (
            "Wakhti cusub oo booqashada",
            "Salaan! Booqashada soo dhaweynta waxaa loo qabtay wakhti cusub: {day} {date} saacadda {time}. "
            "Qofka idin soo booqanaya: {visitor}. Su'aalo? Na soo waca {phone}.\n"
            "Wakhtiga waxaad ka beddeli kartaan halkan: {link}",
        ),
        REMINDER: (
            "Xusuusin: booqashada soo dhaweynta",
            "Salaan! Waxaan idin xusuusinaynaa booqashada soo dhaweynta: {day} {date} saacadda {time}. "
            "Qofka idin soo booqanaya: {visitor}. Su'aalo? Na soo waca {phone}.\n"
            "Haddii aad rabtaan wakhti kale, halkan ka beddela: {link}",
        ),
        CANCELLED: (
            "Booqashada waa la baajiyay",
            "Salaan! Booqashada soo dhaweynta ee {day} {date} saacadda {time} waa la baajiyay. "
            "Haddii aad rabtaan wakhti cusub, na soo waca {phone}, waan idin caawin doonnaa.",
        ),
        THANK_YOU: (
            "Waad ku mahadsan tihiin",
            "Salaan! Waad ku mahadsan tihiin inaad gurigiinna nagu soo dhaweyseen. Fariintan kaydsada:\n"
            "Adeegga macaamiisha: {phone}\n"
            "Cillad sheegid: {fault_report}\n"
            "Ku raaxeysta gurigiinna cusub! Salaan, {visitor}",
        ),
    },
    # --- Tigrinya (Ge'ez script, plural "you") -------------------------------- DRAFT, not yet approved
    "ti": {
        INVITATION: (
            "ናብ ሓድሽ ገዛኹም እንቋዕ ብደሓን መጻእኩም",
            "ሰላም! ናብ ሓድሽ ገዛኹም እንቋዕ ብደሓን መጻእኩም። ብዛዕባ ናብራ ኣብ ገዛውትና ክንገልጸልኩም ክንበጽሓኹም ንደሊ፦ "
            "ክራይ፣ ጸገማት ገዛ ምሕባር፣ ክፍሊ ሕጽቦ ክዳን፣ ምፍላይ ጎሓፍ፣ ድሕንነት ካብ ሓዊ፣ ከምኡ'ውን ጎረባብቲ።\n"
            "ቆጸራ፦ {day} {date} ሰዓት {time} (ናይ ሽወደን ሰዓት)፣ ምስ {visitor}። ንሕቶታት ናብ {phone} ደውሉልና።\n"
            "ሰዓት ክትቅይሩ እንተደሊኹም ኣብዚ ቀይሩ፦ {link}",
        ),
        RESCHEDULED: (
            "ሓድሽ ቆጸራ ንምብጻሕ",
            "ሰላም! ናይ እንቋዕ ብደሓን መጻእኩም ምብጻሕ ሓድሽ ቆጸራ ተዋሂቡ ኣሎ፦ {day} {date} ሰዓት {time} (ናይ ሽወደን ሰዓት)፣ "
            "ምስ {visitor}። ንሕቶታት ናብ {phone} ደውሉልና።\n"
            "ሰዓት ክትቅይሩ እንተደሊኹም ኣብዚ ቀይሩ፦ {link}",
        ),
        REMINDER: (
            "መዘኻኸሪ፦ ናይ እንቋዕ ብደሓን መጻእኩም ምብጻሕ",
            "ሰላም! ብዛዕባ ናይ እንቋዕ ብደሓን መጻእኩም ምብጻሕ ከነዘኻኽረኹም ንደሊ፦ {day} {date} ሰዓት {time} (ናይ ሽወደን ሰዓት)፣ "
            "ምስ {visitor}። ንሕቶታት ናብ {phone} ደውሉልና።\n"
            "ሰዓት ክትቅይሩ እንተደሊኹም ኣብዚ ቀይሩ፦ {link}",
        ),
        CANCELLED: (
            "ምብጻሕ ተሰሪዙ",
            "ሰላም! ናይ {day} {date} ሰዓት {time} ናይ እንቋዕ ብደሓን መጻእኩም ምብጻሕ ተሰሪዙ ኣሎ።\n"
            "ሓድሽ ቆጸራ እንተደሊኹም ናብ {phone} ደውሉልና፣ ክንሕግዘኹም ኢና።",
        ),
        THANK_YOU: (
            "ስለ ዝተቐበልኩምና የቐንየልና",
            "ሰላም! ኣብ ገዛኹም ስለ ዝተቐበልኩምና የቐንየልና። እዚ መልእኽቲ ዕቀቡ፦\n"
            "ኣገልግሎት ዓማዊል፦ {phone}\n"
            "ጸገማት ገዛ ምሕባር፦ {fault_report}\n"
            "ሓድሽ ገዛኹም ብሩኽ ይግበረልኩም! ብሰላምታ፣ {visitor}",
        ),
    },
    # --- Amharic (Ge'ez script, plural "you") --------------------------------- DRAFT, not yet approved
    "am": {
        INVITATION: (
            "እንኳን ወደ አዲሱ ቤታችሁ በደህና መጣችሁ",
            "ሰላም! እንኳን ወደ አዲሱ ቤታችሁ በደህና መጣችሁ። በቤቶቻችን ውስጥ ስለመኖር ለማስረዳት ልንጎበኛችሁ እንፈልጋለን፦ "
            "የቤት ኪራይ፣ ብልሽትን ማሳወቅ፣ የልብስ ማጠቢያ ክፍል፣ ቆሻሻ መለየት፣ የእሳት አደጋ መከላከል እና ጎረቤቶች።\n"
            "ቀጠሮ፦ {day} {date} ሰዓት {time} (በስዊድን ሰዓት)። ጎብኚ፦ {visitor}። ጥያቄ ካላችሁ ደውሉልን፦ {phone}\n"
            "ሰዓቱን መቀየር ከፈለጋችሁ እዚህ ቀይሩ፦ {link}",
        ),
        RESCHEDULED: (
            "አዲስ የጉብኝት ቀጠሮ",
            "ሰላም! የእንኳን ደህና መጣችሁ ጉብኝታችሁ አዲስ ቀጠሮ ተይዞለታል፦ {day} {date} ሰዓት {time} (በስዊድን ሰዓት)። "
            "ጎብኚ፦ {visitor}። ጥያቄ ካላችሁ ደውሉልን፦ {phone}\n"
            "ሰዓቱን መቀየር ከፈለጋችሁ እዚህ ቀይሩ፦ {link}",
        ),
        REMINDER: (
            "ማስታወሻ፦ የጉብኝት ቀጠሮ",
            "ሰላም! የእንኳን ደህና መጣችሁ ጉብኝታችሁን ለማስታወስ ያህል፦ {day} {date} ሰዓት {time} (በስዊድን ሰዓት)። "
            "ጎብኚ፦ {visitor}። ጥያቄ ካላችሁ ደውሉልን፦ {phone}\n"
            "ሰዓቱን መቀየር ከፈለጋችሁ እዚህ ቀይሩ፦ {link}",
        ),
        CANCELLED: (
            "የጉብኝቱ ቀጠሮ ተሰርዟል",
            "ሰላም! {day} {date} ሰዓት {time} የነበረው የእንኳን ደህና መጣችሁ ጉብኝት ተሰርዟል። "
            "አዲስ ቀጠሮ ከፈለጋችሁ ደውሉልን፦ {phone}። በደስታ እንረዳችኋለን።",
        ),
        THANK_YOU: (
            "ስለ መስተንግዷችሁ እናመሰግናለን",
            "ሰላም! በቤታችሁ ስለተቀበላችሁን እናመሰግናለን። ይህን መልእክት አስቀምጡት፦\n"
            "የደንበኞች አገልግሎት፦ {phone}\n"
            "ብልሽት ለማሳወቅ፦ {fault_report}\n"
            "አዲሱ ቤታችሁ የተባረከ ይሁን! ከሰላምታ ጋር፣ {visitor}",
        ),
    },
    # --- Dari (Afghan usage: کرایه، کالاشویی، کثافات، تبدیل، زنگ) ------------- DRAFT, not yet approved
    "prs": {
        INVITATION: (
            "به خانهٔ نوی تان خوش آمدید",
            "سلام! به خانهٔ نوی تان خوش آمدید. می‌خواهیم به دیدن تان بیاییم و در بارهٔ کرایه، اطلاع دادن خرابی، "
            "اتاق کالاشویی، جدا کردن کثافات، مصئونیت در برابر آتش‌سوزی و همسایه‌ها معلومات بدهیم.\n"
            "وقت ملاقات: {day} {date} ساعت {time}، با {visitor}. اگر سوالی دارید به {phone} زنگ بزنید.\n"
            "برای تبدیل وقت به این لینک بروید: {link}",
        ),
        RESCHEDULED: (
            "وقت نو برای ملاقات خوش‌آمدگویی",
            "سلام! برای ملاقات خوش‌آمدگویی وقت نو تعیین شد: {day} {date} ساعت {time}، با {visitor}. "
            "اگر سوالی دارید به {phone} زنگ بزنید.\n"
            "اگر این وقت برای تان مناسب نیست، از اینجا تبدیلش کنید: {link}",
        ),
        REMINDER: (
            "یادآوری ملاقات خوش‌آمدگویی",
            "سلام! یادآوری: ملاقات خوش‌آمدگویی {day} {date} ساعت {time} با {visitor} است. "
            "اگر سوالی دارید به {phone} زنگ بزنید.\n"
            "اگر این وقت دیگر برای تان مناسب نیست، از اینجا تبدیلش کنید: {link}",
        ),
        CANCELLED: (
            "ملاقات خوش‌آمدگویی لغو شد",
            "سلام! ملاقات خوش‌آمدگویی {day} {date} ساعت {time} لغو شد. "
            "اگر وقت نو می‌خواهید، به {phone} زنگ بزنید؛ با خوشی کمک تان می‌کنیم.",
        ),
        THANK_YOU: (
            "تشکر از مهمان‌نوازی تان",
            "سلام! تشکر که ما را در خانهٔ تان پذیرفتید. لطفاً این پیام را نگه دارید:\n"
            "خدمات مشتریان: {phone}\n"
            "اطلاع دادن خرابی: {fault_report}\n"
            "در خانهٔ نوی تان خوش باشید! با احترام، {visitor}",
        ),
    },
    # --- Persian (Iranian usage: اجاره، لباسشویی، زباله، تغییر، تماس) ---------- DRAFT, not yet approved
    "fa": {
        INVITATION: (
            "به خانهٔ جدیدتان خوش آمدید",
            "سلام! به خانهٔ جدیدتان خوش آمدید. می‌خواهیم به دیدنتان بیاییم و دربارهٔ اجاره‌بها، گزارش خرابی، "
            "اتاق لباسشویی، تفکیک زباله، ایمنی در برابر آتش‌سوزی و همسایه‌ها توضیح بدهیم.\n"
            "زمان دیدار: {day} {date} ساعت {time}، با {visitor}. اگر سؤالی دارید با {phone} تماس بگیرید.\n"
            "برای تغییر زمان به این نشانی بروید: {link}",
        ),
        RESCHEDULED: (
            "زمان جدید دیدار خوشامدگویی",
            "سلام! دیدار خوشامدگویی به زمان جدیدی منتقل شد: {day} {date} ساعت {time}، با {visitor}. "
            "اگر سؤالی دارید با {phone} تماس بگیرید.\n"
            "اگر این زمان برایتان مناسب نیست، از اینجا تغییرش دهید: {link}",
        ),
        REMINDER: (
            "یادآوری دیدار خوشامدگویی",
            "سلام! یادآوری می‌کنیم: دیدار خوشامدگویی {day} {date} ساعت {time} با {visitor} است. "
            "اگر سؤالی دارید با {phone} تماس بگیرید.\n"
            "اگر این زمان دیگر برایتان مناسب نیست، از اینجا تغییرش دهید: {link}",
        ),
        CANCELLED: (
            "دیدار خوشامدگویی لغو شد",
            "سلام! دیدار خوشامدگویی {day} {date} ساعت {time} لغو شد. "
            "اگر زمان جدیدی می‌خواهید، با {phone} تماس بگیرید؛ با کمال میل کمکتان می‌کنیم.",
        ),
        THANK_YOU: (
            "سپاس از مهمان‌نوازی شما",
            "سلام! از اینکه ما را در خانه‌تان پذیرفتید سپاسگزاریم. لطفاً این پیام را نگه دارید:\n"
            "خدمات مشتریان: {phone}\n"
            "گزارش خرابی: {fault_report}\n"
            "در خانهٔ جدیدتان خوش باشید! با احترام، {visitor}",
        ),
    },
}

# (kind, language code) -> (subject, body).
SEED_TEXTS: dict[tuple[str, str], tuple[str, str]] = {
    (kind, code): text for code, texts in _TEXTS.items() for kind, text in texts.items()
}


def create_missing_texts(template_model: Any, language_model: Any, *, using: str = "default") -> int:
    """Create the seed texts whose (kind, language) has no row yet and return how many were created.

    Never changes an existing row: a coordinator's edit, or a text they deleted on purpose and wrote
    again, stays as it is. A language missing from the database is skipped (the languages data
    migration loads all nine). Takes the models as arguments so that the data migration can pass its
    historical ones; anything else passes messaging.models.MessageTemplate and languages.models.Language.
    """
    codes = {code for _kind, code in SEED_TEXTS}
    present = set(language_model.objects.using(using).filter(code__in=codes).values_list("code", flat=True))
    existing = set(template_model.objects.using(using).values_list("kind", "language_id"))
    missing = [
        template_model(
            kind=kind,
            language_id=code,
            subject=subject,
            body=body,
            approved=code in APPROVED_LANGUAGES,
        )
        for (kind, code), (subject, body) in SEED_TEXTS.items()
        if code in present and (kind, code) not in existing
    ]
    template_model.objects.using(using).bulk_create(missing)
    return len(missing)


def approve_demo_texts() -> int:
    """FOR DEMO DATA ONLY (seed_demo): mark the unapproved seed-language texts approved by the demo
    visitor who speaks each language best (visitor1 Arabic and Sorani, visitor2 Tigrinya, Amharic and
    Somali, visitor3 Dari and Persian, as visits.demo.STAFF says), so that the demo shows the texts as a
    real team would have them. Return how many texts it approved; a second call approves none.

    In real use a text is approved only by a speaker who has read it: never call this outside the demo.
    """
    # Imported here: this module is also imported by a migration, which must not load today's models.
    from django.utils import timezone

    from messaging.models import MessageTemplate
    from visits import roles
    from visits.demo import STAFF
    from visits.models import VisitorLanguage

    demo_visitors = [member.username for member in STAFF if member.role == roles.VISITOR]
    codes = {code for _kind, code in SEED_TEXTS} - APPROVED_LANGUAGES
    skills = (
        VisitorLanguage.objects.filter(
            visitor__user__username__in=demo_visitors,
            language_id__in=codes,
            # Working command and above: what may carry a visit alone (see VisitorLanguage.Level).
            level__gte=VisitorLanguage.Level.WORKING,
        )
        .select_related("visitor__user")
        .order_by("language_id", "-level", "visitor__user__username")
    )
    approver = {}
    for skill in skills:
        approver.setdefault(skill.language_id, skill.visitor.user)
    now = timezone.now()
    approved = 0
    for code, user in sorted(approver.items()):
        approved += MessageTemplate.objects.filter(language_id=code, approved=False).update(
            approved=True, approved_by=user, updated_at=now
        )
    return approved
