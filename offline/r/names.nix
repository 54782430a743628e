# rPackages names that Debian 12 has but the dev machines and CI do not install.
#
# Installed R packages (r-cran-*) need no entry: rPackages offers every one of them under its
# nixpkgs name, which is the R name with "." written "_" (pkgs/development/r-modules/default.nix:
# data.table is rPackages.data_table). These are the CRAN packages people ask for most; each
# throws naming the Debian package to add (apt-cache policy checked each one). Any other name is
# missing, as a name CRAN lacks is missing from nixpkgs' rPackages.
{
  notInstalled = {
    boot = "r-cran-boot";
    caret = "r-cran-caret";
    class = "r-cran-class";
    cluster = "r-cran-cluster";
    codetools = "r-cran-codetools";
    curl = "r-cran-curl";
    data_table = "r-cran-data.table";
    devtools = "r-cran-devtools";
    dplyr = "r-cran-dplyr";
    forcats = "r-cran-forcats";
    foreign = "r-cran-foreign";
    ggplot2 = "r-cran-ggplot2";
    httr = "r-cran-httr";
    igraph = "r-cran-igraph";
    KernSmooth = "r-cran-kernsmooth";
    knitr = "r-cran-knitr";
    lattice = "r-cran-lattice";
    lme4 = "r-cran-lme4";
    lubridate = "r-cran-lubridate";
    magrittr = "r-cran-magrittr";
    MASS = "r-cran-mass";
    Matrix = "r-cran-matrix";
    mgcv = "r-cran-mgcv";
    nlme = "r-cran-nlme";
    nnet = "r-cran-nnet";
    plotly = "r-cran-plotly";
    purrr = "r-cran-purrr";
    randomForest = "r-cran-randomforest";
    Rcpp = "r-cran-rcpp";
    readr = "r-cran-readr";
    rmarkdown = "r-cran-rmarkdown";
    rpart = "r-cran-rpart";
    sf = "r-cran-sf";
    shiny = "r-cran-shiny";
    spatial = "r-cran-spatial";
    stringr = "r-cran-stringr";
    survival = "r-cran-survival";
    tibble = "r-cran-tibble";
    tidyr = "r-cran-tidyr";
    tidyverse = "r-cran-tidyverse";
    xml2 = "r-cran-xml2";
    zoo = "r-cran-zoo";
  };
}
