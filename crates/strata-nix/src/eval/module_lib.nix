# The module-system part of nixpkgs' `lib` (options and types), written in
# Nix so the static evaluator runs it like any other code. Only what the
# module merge reads is kept: an option's `default` and its `type`'s shape.
# A name the built-in `lib` (eval/builtins) also has is the built-in's.
lib:
let
  type = name: extra: { _type = "option-type"; inherit name; } // extra;
  plain = name: type name { };
  submoduleOf = modules: type "submodule" {
    modules = if builtins.isList modules then modules else [ modules ];
  };
  wraps = name: elemType: type name { inherit elemType; };
in
{
  mkOption = attrs: attrs // { _type = "option"; };
  mkEnableOption = name: {
    _type = "option";
    default = false;
    type = plain "bool";
    description = "Whether to enable ${name}.";
  };
  mkPackageOption = pkgs: name: attrs: {
    _type = "option";
    type = plain "package";
    # The package itself comes from nixpkgs, which is not read statically.
    default = attrs.default or pkgs.${if builtins.isList name then builtins.head name else name};
  };
  # STOPGAP (branch nix-hosts): lib functions host discovery needs that the
  # built-in `lib` lacks today; the built-in wins once it has them.
  mergeAttrs = a: b: a // b;
  concatMapAttrs = f: set:
    builtins.foldl' (acc: name: acc // f name set.${name}) { } (builtins.attrNames set);
  filesystem.listFilesRecursive = dir:
    let
      walk = d: builtins.concatLists (map
        (name:
          let
            type = (builtins.readDir d).${name};
            child = d + "/${name}";
          in
          if type == "directory" then walk child else [ child ])
        (builtins.attrNames (builtins.readDir d)));
    in
    walk dir;
  # END STOPGAP

  # flake-parts' `mkFlake { inherit inputs; } module`: the flake's outputs
  # are the `flake` option of its modules (`flake.nixosConfigurations`, …).
  # `perSystem` is kept as it is defined; the systems are not expanded.
  mkFlake = args: module:
    (lib.evalModules {
      modules = [ module ];
      specialArgs = {
        inputs = args.inputs or { };
        self = args.self or (args.inputs.self or { });
      };
    }).config.flake;

  literalExpression = text: { _type = "literalExpression"; inherit text; };
  literalExample = text: { _type = "literalExpression"; inherit text; };
  literalMD = text: { _type = "literalMD"; inherit text; };
  mdDoc = text: text;

  types = {
    str = plain "str";
    string = plain "str";
    nonEmptyStr = plain "str";
    singleLineStr = plain "str";
    lines = plain "lines";
    commas = plain "commas";
    envVar = plain "envVar";
    bool = plain "bool";
    int = plain "int";
    float = plain "float";
    number = plain "number";
    port = plain "port";
    path = plain "path";
    pathInStore = plain "path";
    package = plain "package";
    attrs = plain "attrs";
    raw = plain "raw";
    anything = plain "anything";
    unspecified = plain "unspecified";
    deferredModule = plain "deferredModule";
    ints = {
      unsigned = plain "int";
      positive = plain "int";
      u8 = plain "int";
      u16 = plain "int";
      u32 = plain "int";
      s8 = plain "int";
      s16 = plain "int";
      s32 = plain "int";
      between = lo: hi: plain "int";
    };
    enum = values: plain "enum";
    strMatching = pattern: plain "str";
    separatedString = sep: plain "str";
    submodule = submoduleOf;
    submoduleWith = args: submoduleOf (args.modules or [ ]);
    attrsOf = wraps "attrsOf";
    lazyAttrsOf = wraps "attrsOf";
    listOf = wraps "listOf";
    nonEmptyListOf = wraps "listOf";
    nullOr = wraps "nullOr";
    uniq = elemType: elemType;
    unique = args: elemType: elemType;
    functionTo = wraps "functionTo";
    either = a: b: plain "either";
    oneOf = types: plain "either";
    coercedTo = from: f: to: to;
    addCheck = elemType: check: elemType;
  };
}
