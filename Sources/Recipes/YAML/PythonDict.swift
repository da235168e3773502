/// A dict in insertion order, as Python keeps it: setting a key that exists replaces its value
/// where it is.
struct PythonDict<Value> {
    private(set) var members: [(key: String, value: Value)] = []

    subscript(key: String) -> Value? {
        get { members.first { $0.key == key }?.value }
        set {
            let index = members.firstIndex { $0.key == key }
            switch (index, newValue) {
            case let (i?, value?): members[i].value = value
            case let (nil, value?): members.append((key, value))
            case let (i?, nil): members.remove(at: i)
            case (nil, nil): break
            }
        }
    }
}
