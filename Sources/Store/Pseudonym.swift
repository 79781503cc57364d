// Leaderboard pseudonyms (adjective-animal-NN), derived from the student id so they are stable
// across imports and machines, yet reveal nothing readable about the id.

public enum Pseudonym {
    /// The pseudonym for `id`. `attempt` > 0 gives alternatives for the rare collision
    /// (about 1 in 400,000 per pair of students).
    public static func make(id: String, attempt: Int = 0) -> String {
        let salt = attempt == 0 ? "" : "#\(attempt)"
        let digest = SHA256.hash(Array("lmlab-pseudonym:\(id)\(salt)".utf8))
        let adjective = adjectives[Int(digest[0]) % adjectives.count]
        let animal = animals[Int(digest[1]) % animals.count]
        let number = (Int(digest[2]) << 8 | Int(digest[3])) % 100
        let twoDigits = number < 10 ? "0\(number)" : "\(number)"
        return "\(adjective)-\(animal)-\(twoDigits)"
    }

    // 64 of each, so a byte picks one uniformly.
    static let adjectives = [
        "able", "agile", "amber", "ancient", "azure", "bold", "brave", "breezy",
        "bright", "calm", "clever", "cosmic", "crimson", "curious", "daring", "dusky",
        "eager", "early", "electric", "emerald", "fearless", "fluffy", "frosty", "gentle",
        "gilded", "glad", "golden", "happy", "hidden", "humble", "icy", "jolly",
        "keen", "kind", "lively", "lucky", "lunar", "mellow", "merry", "misty",
        "mossy", "nimble", "noble", "patient", "plucky", "polar", "proud", "quick",
        "quiet", "rapid", "rosy", "rustic", "sandy", "silent", "silver", "sleepy",
        "snowy", "solar", "steady", "sunny", "swift", "tidy", "vivid", "witty",
    ]
    static let animals = [
        "alpaca", "badger", "beaver", "bison", "bobcat", "camel", "capybara", "cheetah",
        "condor", "corgi", "coyote", "crane", "dingo", "dolphin", "donkey", "eagle",
        "falcon", "ferret", "finch", "fox", "gazelle", "gecko", "gibbon", "heron",
        "hedgehog", "ibis", "iguana", "jackal", "jaguar", "koala", "lemur", "lynx",
        "magpie", "marmot", "meerkat", "mole", "moose", "narwhal", "newt", "ocelot",
        "otter", "owl", "panda", "pelican", "penguin", "puffin", "quokka", "rabbit",
        "raven", "salmon", "seal", "sloth", "sparrow", "stoat", "swan", "tapir",
        "tiger", "toucan", "turtle", "walrus", "weasel", "wombat", "yak", "zebra",
    ]
}
