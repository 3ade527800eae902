<!-- placeholder: the playground lands with the clients issue -->
