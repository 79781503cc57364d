# 04-tokenizer -- Ada Lovelace (s01-ada)
def get_pairs(word):
    return set(zip(word, word[1:]))


def bpe(token, ranks):
    word = tuple(token)
    while len(word) > 1:
        pairs = get_pairs(word)
        bigram = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if bigram not in ranks:
            break
        first, second = bigram
        new_word = []
        i = 0
        while i < len(word):
            if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                new_word.append(first + second)
                i += 2
            else:
                new_word.append(word[i])
                i += 1
        word = tuple(new_word)
    return list(word)
