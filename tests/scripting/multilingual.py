"""Short product-review sentences in the languages a request may name, for articles the planner is tested on.

`language` is any ISO 639-1 code (request_schema); these are the scripts that behave differently: Han without
spaces, kana, Hangul, abjads written right to left, Cyrillic, Greek, Devanagari, Thai without spaces, and Latin.
"""

from __future__ import annotations

SENTENCES: dict[str, tuple[str, ...]] = {
    "zh": (
        "这款手机的电池续航非常出色，我连续使用了七天。",
        "屏幕很亮，户外阳光下也看得清楚。",
        "价格是三千九百九十九元，性价比很高。",
        "总的来说，这是一台值得购买的旗舰手机。",
    ),
    "en": (
        "The battery lasted eighty kilometres on a single charge, which is great.",
        "The screen is bright and easy to read outdoors.",
        "It costs one thousand dollars, a fair price for what you get.",
        "Overall, it is worth buying for city commuters.",
    ),
    "ja": (
        "このスマートフォンのバッテリーはとても長持ちします。",
        "画面はとても明るくて、外でもよく見えます。",
        "値段は少し高いですが、性能はすばらしいです。",
        "全体として、買う価値のある製品です。",
    ),
    "ko": (
        "배터리는 한 번 충전으로 팔십 킬로미터를 달렸고 정말 훌륭합니다.",
        "화면은 밝고 선명하며 야외에서도 잘 보입니다.",
        "가격은 조금 비싸지만 성능은 뛰어납니다.",
        "전체적으로 구매할 가치가 있는 제품입니다.",
    ),
    "ar": (
        "مرحبا بكم في هذا العرض الرائع للهاتف الجديد الذي يتميز ببطارية قوية.",
        "الشاشة كبيرة وواضحة ويمكن قراءتها في ضوء الشمس.",
        "السعر مناسب جدا مقارنة بالمنافسين في السوق.",
        "بشكل عام هذا الهاتف يستحق الشراء.",
    ),
    "he": (
        "שלום לכולם זה מבחן ארוך מאוד של הטלפון החדש עם סוללה חזקה.",
        "המסך גדול וברור וקל לקרוא אותו בשמש.",
        "המחיר סביר מאוד בהשוואה למתחרים.",
        "בסך הכול הטלפון הזה שווה את הכסף.",
    ),
    "ru": (
        "Аккумулятор проработал восемьдесят километров на одной зарядке, это отлично.",
        "Экран большой и яркий, его легко читать на солнце.",
        "Цена вполне разумная по сравнению с конкурентами.",
        "В целом этот телефон стоит своих денег.",
    ),
    "el": (
        "Η μπαταρία κράτησε ογδόντα χιλιόμετρα με μία φόρτιση.",
        "Η οθόνη είναι μεγάλη και φωτεινή ακόμα και στον ήλιο.",
        "Η τιμή είναι λογική σε σύγκριση με τον ανταγωνισμό.",
        "Συνολικά αξίζει τα χρήματά του.",
    ),
    "hi": (
        "बैटरी एक बार चार्ज करने पर अस्सी किलोमीटर तक चली, जो बहुत अच्छा है।",
        "स्क्रीन बड़ी और चमकदार है और धूप में भी साफ दिखती है।",
        "कीमत प्रतिस्पर्धियों की तुलना में उचित है।",
        "कुल मिलाकर यह फोन खरीदने लायक है।",
    ),
    "th": (
        "แบตเตอรี่ใช้งานได้นานมากในการชาร์จครั้งเดียวซึ่งดีมาก",
        "หน้าจอใหญ่และสว่าง อ่านง่ายแม้อยู่กลางแดด",
        "ราคาสมเหตุสมผลเมื่อเทียบกับคู่แข่ง",
        "โดยรวมแล้วโทรศัพท์รุ่นนี้คุ้มค่าที่จะซื้อ",
    ),
    "de": (
        "Der Akku hielt achtzig Kilometer mit einer Ladung, das ist großartig.",
        "Der Bildschirm ist hell und auch draußen gut lesbar.",
        "Der Preis ist im Vergleich zur Konkurrenz fair.",
        "Insgesamt lohnt sich der Kauf für Pendler in der Stadt.",
    ),
    "fr": (
        "La batterie a tenu quatre-vingts kilomètres avec une seule charge, c'est excellent.",
        "L'écran est lumineux et facile à lire en plein soleil.",
        "Le prix est raisonnable par rapport à la concurrence.",
        "Dans l'ensemble, ce téléphone vaut son prix.",
    ),
    "es": (
        "La batería duró ochenta kilómetros con una sola carga, lo cual es genial.",
        "La pantalla es brillante y fácil de leer al sol.",
        "El precio es razonable en comparación con la competencia.",
        "En general, vale la pena comprarlo.",
    ),
}
LANGUAGES = tuple(SENTENCES)
