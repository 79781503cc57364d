// A small multilingual corpus shared by the tokenizer tests: every case the GPT-2 pattern
// and byte-level BPE must get right, in a few dozen lines.

enum Corpus {
    static let lines: [String] = [
        "Hello world! The quick brown fox jumps over the lazy dog.",
        "I'm sure they're here, we've seen it; she'd say you'll like it, don't you?",
        "DON'T SHOUT. It'S fine. rock'n'roll o'clock ''quoted'' 'single' ''s",
        "Curly apostrophes: it’s, don’t, they’re.",
        "Numbers: 3.14159, 1,000,000 and 2024-05-01T12:34:56Z; 007 agents; x² ½ Ⅻ ٣٤٥",
        "Punctuation runs!!! ??? ... --> <== :-) (( [{<>}] ``code`` #@$%^&*",
        "Tabs\tand\t\tdouble tabs\t\t\tand trailing   ",
        "   leading spaces and many     inner      spaces",
        "Lines\nwith\n\nblank\n\n\nlines\r\nand CRLF\r\n",
        "Vertical\u{0B}tab, form\u{0C}feed, NEL\u{85}here, sep\u{2028}line and\u{2029}para",
        "No-break\u{A0}space 10\u{A0}000 thin\u{2009}space ideo\u{3000}space em\u{2003}space",
        "Narrow\u{202F}nbsp, ogham\u{1680}mark, file sep\u{1C}unit sep\u{1F}done",
        "Emoji 👋🏽 family 👨‍👩‍👧‍👦 flag 🇫🇷 heart ❤️ and 🤖🤖🤖",
        "Combining: e\u{301}te\u{301} n\u{303}o Zalgo: Z\u{36B}\u{303}a\u{310}\u{34E}l\u{35B}g\u{34E}o",
        "Precomposed: café naïve coöperate Ångström façade",
        // Canonically equivalent but different bytes: Swift's String == would call them equal.
        "Ohm \u{2126} omega \u{3A9} angstrom \u{212B} A-ring \u{C5} \u{2126}\u{2126} \u{3A9}\u{3A9}",
        "日本語のテキストと漢字、カタカナ。中文字符和标点！",
        "한국어 문장입니다. 안녕하세요?",
        "مرحبا بالعالم، هذا نص عربي ١٢٣.",
        "שלום עולם, זה טקסט בעברית.",
        "नमस्ते दुनिया, यह हिंदी है। ภาษาไทย ไม่มีช่องว่าง",
        "Ελληνικά και Русский текст, ёжик в тумане.",
        "Mixed: abc123def 12abc 3D 4K a1b2c3 __init__ foo_bar-baz",
        "Code: for (int i = 0; i < n; i++) { x[i] += y[i] * 2; }",
        "URL https://example.com/path?q=1&r=two#frag and mail a.b@c.de",
        "Special <|endoftext|> in the middle and <|endoftext|><|endoftext|> twice",
        "  ",
        "\n",
        " ",
        "'",
        "a",
    ]

    /// Prose for training: the corpus lines plus repeated English so merges have counts.
    static let training: String = {
        let prose = """
            Language models assign probabilities to sequences of tokens and predict the next \
            token. Attention lets each position focus on the relevant parts of the input: the \
            query is compared with every key, the scores are scaled and turned into \
            probabilities by softmax, and the values are summed with those weights. We'll \
            train a tokenizer, then a small transformer; it's the same model that GPT-2 uses, \
            and they're both built from simple pieces.
            """
        return (Array(repeating: prose, count: 4) + lines).joined(separator: "\n<|endoftext|>")
    }()
}
